//! The wgpu renderer of the h-graph view, as an `egui_wgpu` paint callback.
//!
//! Two pipelines (nodes as instanced quads shaded into discs, edges as line segments whose colour
//! fades from tail to head) are created once and kept in egui_wgpu's `CallbackResources`, with one
//! set of buffers per view. Node instances and edge vertices are uploaded only when the view's data
//! generation changes (new data or colour mode); every frame the callback carries only a 32-byte
//! uniform (view centre, scales, node size).

use std::collections::HashMap;
use std::sync::Arc;

use egui::Color32;
use egui_wgpu::wgpu;
use egui_wgpu::wgpu::util::DeviceExt;
use egui_wgpu::{CallbackResources, CallbackTrait, ScreenDescriptor};

use super::data::GraphData;

/// The egui_wgpu this renderer is built on (tests create render states with it).
pub use egui_wgpu;

/// Edge colour at the head (the tail is the same colour at [`EDGE_TAIL_ALPHA`] of its opacity).
pub const EDGE_HEAD: Color32 = Color32::from_rgba_premultiplied(150, 190, 235, 200);
/// Opacity of an edge's tail relative to its head: the fade shows the direction.
pub const EDGE_TAIL_ALPHA: f32 = 0.12;

/// Where the view's callback draws: the render target's colour format and MSAA sample count
/// (eframe: `frame.wgpu_render_state().target_format`, 1 sample unless multisampling is set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuTarget {
    pub format: wgpu::TextureFormat,
    pub msaa_samples: u32,
}

impl GpuTarget {
    /// The target of an egui_wgpu render state (no MSAA).
    pub fn of(render_state: &egui_wgpu::RenderState) -> Self {
        Self {
            format: render_state.target_format,
            msaa_samples: 1,
        }
    }
}

/// Node instances and edge vertices of one view, as the bytes the GPU buffers hold.
#[derive(Debug, Default)]
pub struct GpuData {
    /// Changes whenever the bytes change; buffers are re-uploaded only then.
    pub generation: u64,
    /// Per node: x, y (f32 world), radius (f32 points), colour (4 × u8 premultiplied).
    pub node_bytes: Vec<u8>,
    pub node_count: u32,
    /// Per edge end: x, y (f32 world), colour (4 × u8 premultiplied); two per edge.
    pub edge_bytes: Vec<u8>,
    pub edge_vertex_count: u32,
}

fn push_f32(out: &mut Vec<u8>, v: f32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Premultiplied colour `c` at `alpha` of its opacity.
pub fn faded(c: Color32, alpha: f32) -> Color32 {
    let f = |v: u8| (f32::from(v) * alpha).round() as u8;
    Color32::from_rgba_premultiplied(f(c.r()), f(c.g()), f(c.b()), f(c.a()))
}

impl GpuData {
    /// Packs `data` with node `colors` and `radii` (screen points); self-loops are not drawn.
    pub fn pack(data: &GraphData, colors: &[Color32], radii: &[f32], generation: u64) -> Self {
        let n = data.num_nodes();
        let mut node_bytes = Vec::with_capacity(n * 16);
        for i in 0..n {
            let p = data.positions[i];
            push_f32(&mut node_bytes, p[0]);
            push_f32(&mut node_bytes, p[1]);
            push_f32(&mut node_bytes, radii[i]);
            node_bytes.extend_from_slice(&colors[i].to_array());
        }
        let tail = faded(EDGE_HEAD, EDGE_TAIL_ALPHA).to_array();
        let head = EDGE_HEAD.to_array();
        let mut edge_bytes = Vec::with_capacity(data.edges.len() * 24);
        let mut edge_vertex_count = 0u32;
        for e in data.edges.iter().filter(|e| e.from != e.to) {
            for (node, color) in [(e.from, tail), (e.to, head)] {
                let p = data.positions[node as usize];
                push_f32(&mut edge_bytes, p[0]);
                push_f32(&mut edge_bytes, p[1]);
                edge_bytes.extend_from_slice(&color);
            }
            edge_vertex_count += 2;
        }
        Self {
            generation,
            node_bytes,
            node_count: n as u32,
            edge_bytes,
            edge_vertex_count,
        }
    }
}

/// The per-frame uniform: world → NDC and point → NDC factors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewUniform {
    pub center: [f32; 2],
    /// NDC per world unit (x, y).
    pub ndc_scale: [f32; 2],
    /// NDC per screen point (x, y).
    pub point_to_ndc: [f32; 2],
    /// Multiplier of every node radius.
    pub size_scale: f32,
    /// Whether edges are drawn (1) or not (0).
    pub show_edges: f32,
}

impl ViewUniform {
    fn bytes(&self) -> [u8; 32] {
        let v = [
            self.center[0],
            self.center[1],
            self.ndc_scale[0],
            self.ndc_scale[1],
            self.point_to_ndc[0],
            self.point_to_ndc[1],
            self.size_scale,
            self.show_edges,
        ];
        let mut out = [0u8; 32];
        for (o, x) in out.chunks_exact_mut(4).zip(v) {
            o.copy_from_slice(&x.to_le_bytes());
        }
        out
    }
}

/// The paint callback of one view for one frame.
pub struct HGraphCallback {
    /// Identifies the view (its buffers in the shared resources).
    pub view_key: u64,
    pub target: GpuTarget,
    pub data: Arc<GpuData>,
    pub uniform: ViewUniform,
}

const SHADER: &str = r"
struct View {
    center: vec2<f32>,
    ndc_scale: vec2<f32>,
    point_to_ndc: vec2<f32>,
    size_scale: f32,
    show_edges: f32,
};
@group(0) @binding(0) var<uniform> view: View;

struct NodeOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) color: vec4<f32>,
    @location(1) local: vec2<f32>,
    @location(2) radius: f32,
};

@vertex
fn vs_node(@builtin(vertex_index) vi: u32, @location(0) center: vec2<f32>,
           @location(1) radius: f32, @location(2) color: vec4<f32>) -> NodeOut {
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0));
    let c = corners[vi];
    let r = radius * view.size_scale;
    let half = r + 1.0;
    var out: NodeOut;
    let p = (center - view.center) * view.ndc_scale + c * half * view.point_to_ndc;
    out.pos = vec4<f32>(p, 0.0, 1.0);
    out.color = color;
    out.local = c * half;
    out.radius = r;
    return out;
}

@fragment
fn fs_node(in: NodeOut) -> @location(0) vec4<f32> {
    let d = length(in.local);
    let a = clamp(in.radius + 0.5 - d, 0.0, 1.0);
    // Colours are premultiplied already; a dark rim separates overlapping discs.
    let rim = select(1.0, 0.55, d > in.radius - 1.0);
    return vec4<f32>(in.color.rgb * rim, in.color.a) * a;
}

struct EdgeOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) color: vec4<f32>,
};

@vertex
fn vs_edge(@location(0) p: vec2<f32>, @location(1) color: vec4<f32>) -> EdgeOut {
    var out: EdgeOut;
    out.pos = vec4<f32>((p - view.center) * view.ndc_scale, 0.0, 1.0);
    out.color = color * view.show_edges;
    return out;
}

@fragment
fn fs_edge(in: EdgeOut) -> @location(0) vec4<f32> {
    return in.color;
}
";

/// The pipelines, created once per render target.
struct Pipelines {
    target: GpuTarget,
    layout: wgpu::BindGroupLayout,
    nodes: wgpu::RenderPipeline,
    edges: wgpu::RenderPipeline,
}

/// One view's GPU buffers.
struct ViewBuffers {
    generation: u64,
    uniform: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    nodes: Option<wgpu::Buffer>,
    node_count: u32,
    edges: Option<wgpu::Buffer>,
    edge_vertex_count: u32,
}

/// What the h-graph views keep in `CallbackResources`.
pub struct HGraphGpuResources {
    pipelines: Pipelines,
    views: HashMap<u64, ViewBuffers>,
    /// How many times node/edge buffers were uploaded (for tests and diagnostics).
    pub uploads: u64,
}

fn pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::PipelineLayout,
    target: GpuTarget,
    nodes: bool,
) -> wgpu::RenderPipeline {
    let node_attrs = wgpu::vertex_attr_array![0 => Float32x2, 1 => Float32, 2 => Unorm8x4];
    let edge_attrs = wgpu::vertex_attr_array![0 => Float32x2, 1 => Unorm8x4];
    let buffer = if nodes {
        wgpu::VertexBufferLayout {
            array_stride: 16,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &node_attrs,
        }
    } else {
        wgpu::VertexBufferLayout {
            array_stride: 12,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &edge_attrs,
        }
    };
    let (vs, fs) = if nodes {
        ("vs_node", "fs_node")
    } else {
        ("vs_edge", "fs_edge")
    };
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(if nodes {
            "hgraph_nodes"
        } else {
            "hgraph_edges"
        }),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some(vs),
            buffers: &[Some(buffer)],
            compilation_options: wgpu::PipelineCompilationOptions::default(),
        },
        primitive: wgpu::PrimitiveState {
            topology: if nodes {
                wgpu::PrimitiveTopology::TriangleList
            } else {
                wgpu::PrimitiveTopology::LineList
            },
            ..Default::default()
        },
        depth_stencil: None,
        multisample: wgpu::MultisampleState {
            count: target.msaa_samples.max(1),
            mask: !0,
            alpha_to_coverage_enabled: false,
        },
        fragment: Some(wgpu::FragmentState {
            module,
            entry_point: Some(fs),
            targets: &[Some(wgpu::ColorTargetState {
                format: target.format,
                blend: Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
                write_mask: wgpu::ColorWrites::ALL,
            })],
            compilation_options: wgpu::PipelineCompilationOptions::default(),
        }),
        multiview_mask: None,
        cache: None,
    })
}

impl HGraphGpuResources {
    /// Compiles the shader and creates both pipelines for `target`.
    pub fn new(device: &wgpu::Device, target: GpuTarget) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("hgraph_shader"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("hgraph_view_layout"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: std::num::NonZeroU64::new(32),
                },
                count: None,
            }],
        });
        let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("hgraph_pipeline_layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        Self {
            pipelines: Pipelines {
                target,
                nodes: pipeline(device, &module, &pl, target, true),
                edges: pipeline(device, &module, &pl, target, false),
                layout,
            },
            views: HashMap::new(),
            uploads: 0,
        }
    }

    /// Puts the pipelines for `render_state`'s target into its callback resources (call once at
    /// app start; views also create them lazily on their first frame).
    pub fn install(render_state: &egui_wgpu::RenderState) {
        let res = Self::new(&render_state.device, GpuTarget::of(render_state));
        render_state.renderer.write().callback_resources.insert(res);
    }

    fn view_buffers(&mut self, device: &wgpu::Device, key: u64) -> &mut ViewBuffers {
        let layout = &self.pipelines.layout;
        self.views.entry(key).or_insert_with(|| {
            let uniform = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("hgraph_view_uniform"),
                size: 32,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("hgraph_view_bind_group"),
                layout,
                entries: &[wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniform.as_entire_binding(),
                }],
            });
            ViewBuffers {
                generation: u64::MAX,
                uniform,
                bind_group,
                nodes: None,
                node_count: 0,
                edges: None,
                edge_vertex_count: 0,
            }
        })
    }
}

fn upload(device: &wgpu::Device, label: &str, bytes: &[u8]) -> Option<wgpu::Buffer> {
    (!bytes.is_empty()).then(|| {
        device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytes,
            usage: wgpu::BufferUsages::VERTEX,
        })
    })
}

impl CallbackTrait for HGraphCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        let stale = resources
            .get::<HGraphGpuResources>()
            .is_none_or(|r| r.pipelines.target != self.target);
        if stale {
            resources.insert(HGraphGpuResources::new(device, self.target));
        }
        let Some(res) = resources.get_mut::<HGraphGpuResources>() else {
            return Vec::new();
        };
        let mut uploaded = false;
        let view = res.view_buffers(device, self.view_key);
        if view.generation != self.data.generation {
            view.nodes = upload(device, "hgraph_nodes", &self.data.node_bytes);
            view.node_count = self.data.node_count;
            view.edges = upload(device, "hgraph_edges", &self.data.edge_bytes);
            view.edge_vertex_count = self.data.edge_vertex_count;
            view.generation = self.data.generation;
            uploaded = true;
        }
        queue.write_buffer(&view.uniform, 0, &self.uniform.bytes());
        if uploaded {
            res.uploads += 1;
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &CallbackResources,
    ) {
        let Some(res) = resources.get::<HGraphGpuResources>() else {
            return;
        };
        let Some(view) = res.views.get(&self.view_key) else {
            return;
        };
        pass.set_bind_group(0, &view.bind_group, &[]);
        if let (Some(edges), true) = (&view.edges, self.uniform.show_edges > 0.0) {
            pass.set_pipeline(&res.pipelines.edges);
            pass.set_vertex_buffer(0, edges.slice(..));
            pass.draw(0..view.edge_vertex_count, 0..1);
        }
        if let Some(nodes) = &view.nodes {
            pass.set_pipeline(&res.pipelines.nodes);
            pass.set_vertex_buffer(0, nodes.slice(..));
            pass.draw(0..6, 0..view.node_count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_skips_self_loops_and_fades_tails() {
        let mut g = GraphData::synthetic(3, 0, 1);
        g.edges = vec![
            super::super::data::GraphEdge {
                from: 0,
                to: 1,
                action: 4,
                count: 2,
            },
            super::super::data::GraphEdge {
                from: 1,
                to: 1,
                action: 0,
                count: 1,
            },
        ];
        let colors = vec![Color32::RED; 3];
        let d = GpuData::pack(&g, &colors, &[3.0; 3], 7);
        assert_eq!(d.node_count, 3);
        assert_eq!(d.node_bytes.len(), 48);
        assert_eq!(d.edge_vertex_count, 2);
        assert_eq!(d.edge_bytes.len(), 24);
        assert_eq!(&d.edge_bytes[20..24], &EDGE_HEAD.to_array());
        assert_eq!(d.edge_bytes[11], (200.0 * EDGE_TAIL_ALPHA).round() as u8);
        assert_eq!(&d.node_bytes[8..12], &3.0f32.to_le_bytes());
    }
}
