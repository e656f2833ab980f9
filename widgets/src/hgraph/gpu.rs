//! The wgpu renderer of the h-graph view, as an `egui_wgpu` paint callback.
//!
//! Two pipelines (nodes as instanced quads shaded into discs, edges as line segments whose colour
//! fades from tail to head) are created once and kept in egui_wgpu's `CallbackResources`, with one
//! set of buffers per view. Node instances and edge vertices hold 3D world positions and are
//! uploaded only when the view's data generation changes (new data, axes or colour mode); every
//! frame the callback carries only a 96-byte uniform: the view's [`Projection`] (a 4×4 matrix and
//! an origin), the point size in NDC and the node size multiplier. The 2D and the 3D view share
//! the pipelines and buffers; only the matrix differs.
//!
//! Depth: egui_wgpu's render pass has a depth attachment only when its `RendererOptions` ask for
//! one (eframe: `NativeOptions::depth_buffer`); egui_kittest's renderer never has one. A
//! [`GpuTarget`] with a `depth_format` makes the node pipeline test and write depth (nearer nodes
//! on top); without one nodes are drawn in id order, later on top.

use std::collections::HashMap;
use std::sync::Arc;

use egui::Color32;
use egui_wgpu::wgpu;
use egui_wgpu::wgpu::util::DeviceExt;
use egui_wgpu::{CallbackResources, CallbackTrait, ScreenDescriptor};

use super::data::GraphData;
use super::projection::Projection;

/// The egui_wgpu this renderer is built on (tests create render states with it).
pub use egui_wgpu;

/// Edge colour at the head (the tail is the same colour at [`EDGE_TAIL_ALPHA`] of its opacity).
pub const EDGE_HEAD: Color32 = Color32::from_rgba_premultiplied(150, 190, 235, 200);
/// Opacity of an edge's tail relative to its head: the fade shows the direction.
pub const EDGE_TAIL_ALPHA: f32 = 0.12;

/// Where the view's callback draws: the render target's colour format, MSAA sample count and
/// depth format (eframe: `frame.wgpu_render_state().target_format`, 1 sample unless multisampling
/// is set, a depth format only when `NativeOptions::depth_buffer` is set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuTarget {
    pub format: wgpu::TextureFormat,
    pub msaa_samples: u32,
    /// The format of the render pass's depth attachment, `None` when it has none. It must match
    /// the pass (eframe: `egui_wgpu::depth_format_from_bits(depth_buffer, 0)`).
    pub depth_format: Option<wgpu::TextureFormat>,
}

impl GpuTarget {
    /// The target of an egui_wgpu render state (no MSAA, no depth attachment: egui_wgpu's
    /// default renderer options).
    pub fn of(render_state: &egui_wgpu::RenderState) -> Self {
        Self {
            format: render_state.target_format,
            msaa_samples: 1,
            depth_format: None,
        }
    }

    /// The same target whose render pass has a depth attachment of `format`.
    #[must_use]
    pub fn with_depth(self, format: wgpu::TextureFormat) -> Self {
        Self {
            depth_format: Some(format),
            ..self
        }
    }
}

/// Node instances and edge vertices of one view, as the bytes the GPU buffers hold.
#[derive(Debug, Default)]
pub struct GpuData {
    /// Changes whenever the bytes change; buffers are re-uploaded only then.
    pub generation: u64,
    /// Per node ([`NODE_STRIDE`] bytes): x, y, z (f32 world), radius (f32 points), colour
    /// (4 × u8 premultiplied).
    pub node_bytes: Vec<u8>,
    pub node_count: u32,
    /// Per edge end ([`EDGE_STRIDE`] bytes): x, y, z (f32 world), colour (4 × u8
    /// premultiplied); two per edge.
    pub edge_bytes: Vec<u8>,
    pub edge_vertex_count: u32,
}

/// Bytes per node instance.
pub const NODE_STRIDE: usize = 20;
/// Bytes per edge vertex.
pub const EDGE_STRIDE: usize = 16;
/// Bytes of the per-frame uniform.
pub const UNIFORM_BYTES: usize = 96;

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
        let mut node_bytes = Vec::with_capacity(n * NODE_STRIDE);
        for i in 0..n {
            for v in data.positions[i] {
                push_f32(&mut node_bytes, v);
            }
            push_f32(&mut node_bytes, radii[i]);
            node_bytes.extend_from_slice(&colors[i].to_array());
        }
        let tail = faded(EDGE_HEAD, EDGE_TAIL_ALPHA).to_array();
        let head = EDGE_HEAD.to_array();
        let mut edge_bytes = Vec::with_capacity(data.edges.len() * 2 * EDGE_STRIDE);
        let mut edge_vertex_count = 0u32;
        for e in data.edges.iter().filter(|e| e.from != e.to) {
            for (node, color) in [(e.from, tail), (e.to, head)] {
                for v in data.positions[node as usize] {
                    push_f32(&mut edge_bytes, v);
                }
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

/// The per-frame uniform: the view's projection, point size in NDC and node size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewUniform {
    /// From `world − origin` to clip space, column-major ([`Projection::columns`]).
    pub matrix: [f32; 16],
    /// World point subtracted before the matrix.
    pub origin: [f32; 3],
    /// NDC per screen point (x, y).
    pub point_to_ndc: [f32; 2],
    /// Multiplier of every node radius.
    pub size_scale: f32,
    /// Whether edges are drawn (1) or not (0).
    pub show_edges: f32,
}

impl ViewUniform {
    /// The uniform of a view drawn with `projection`.
    pub fn new(projection: &Projection, size_scale: f32, show_edges: bool) -> Self {
        let r = projection.rect;
        Self {
            matrix: projection.columns(),
            origin: projection.origin,
            point_to_ndc: [2.0 / r.width().max(1.0), 2.0 / r.height().max(1.0)],
            size_scale,
            show_edges: if show_edges { 1.0 } else { 0.0 },
        }
    }

    /// The bytes of the WGSL `View` struct (std140-like: mat4, vec3 + f32, vec2 + f32 + pad).
    pub fn bytes(&self) -> [u8; UNIFORM_BYTES] {
        let mut v = [0.0f32; UNIFORM_BYTES / 4];
        v[..16].copy_from_slice(&self.matrix);
        v[16..19].copy_from_slice(&self.origin);
        v[19] = self.size_scale;
        v[20..22].copy_from_slice(&self.point_to_ndc);
        v[22] = self.show_edges;
        let mut out = [0u8; UNIFORM_BYTES];
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
    matrix: mat4x4<f32>,
    origin: vec3<f32>,
    size_scale: f32,
    point_to_ndc: vec2<f32>,
    show_edges: f32,
    pad: f32,
};
@group(0) @binding(0) var<uniform> view: View;

struct NodeOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) color: vec4<f32>,
    @location(1) local: vec2<f32>,
    @location(2) radius: f32,
};

@vertex
fn vs_node(@builtin(vertex_index) vi: u32, @location(0) center: vec3<f32>,
           @location(1) radius: f32, @location(2) color: vec4<f32>) -> NodeOut {
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0));
    let c = corners[vi];
    let r = radius * view.size_scale;
    let half = r + 1.0;
    var out: NodeOut;
    let clip = view.matrix * vec4<f32>(center - view.origin, 1.0);
    // The disc keeps its size in screen points at any depth.
    out.pos = vec4<f32>(clip.xy + c * half * view.point_to_ndc * clip.w, clip.zw);
    out.color = color;
    out.local = c * half;
    out.radius = r;
    return out;
}

@fragment
fn fs_node(in: NodeOut) -> @location(0) vec4<f32> {
    let d = length(in.local);
    let a = clamp(in.radius + 0.5 - d, 0.0, 1.0);
    // Outside the disc: no colour, and no depth written over the nodes behind.
    if (a <= 0.0) {
        discard;
    }
    // Colours are premultiplied already; a dark rim separates overlapping discs.
    let rim = select(1.0, 0.55, d > in.radius - 1.0);
    return vec4<f32>(in.color.rgb * rim, in.color.a) * a;
}

struct EdgeOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) color: vec4<f32>,
};

@vertex
fn vs_edge(@location(0) p: vec3<f32>, @location(1) color: vec4<f32>) -> EdgeOut {
    var out: EdgeOut;
    out.pos = view.matrix * vec4<f32>(p - view.origin, 1.0);
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
    let node_attrs = wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32, 2 => Unorm8x4];
    let edge_attrs = wgpu::vertex_attr_array![0 => Float32x3, 1 => Unorm8x4];
    let buffer = if nodes {
        wgpu::VertexBufferLayout {
            array_stride: NODE_STRIDE as u64,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &node_attrs,
        }
    } else {
        wgpu::VertexBufferLayout {
            array_stride: EDGE_STRIDE as u64,
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
        // Nodes test and write depth (nearer on top); edges, drawn first, neither.
        depth_stencil: target.depth_format.map(|format| wgpu::DepthStencilState {
            format,
            depth_write_enabled: Some(nodes),
            depth_compare: Some(if nodes {
                wgpu::CompareFunction::LessEqual
            } else {
                wgpu::CompareFunction::Always
            }),
            stencil: wgpu::StencilState::default(),
            bias: wgpu::DepthBiasState::default(),
        }),
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
                    min_binding_size: std::num::NonZeroU64::new(UNIFORM_BYTES as u64),
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
                size: UNIFORM_BYTES as u64,
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
#[allow(clippy::float_cmp)]
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
        g.positions[1] = [4.0, 5.0, 6.0];
        let d = GpuData::pack(&g, &colors, &[3.0; 3], 7);
        assert_eq!(d.node_count, 3);
        assert_eq!(d.node_bytes.len(), 3 * NODE_STRIDE);
        assert_eq!(d.edge_vertex_count, 2);
        assert_eq!(d.edge_bytes.len(), 2 * EDGE_STRIDE);
        // Head vertex: node 1's x, y, z then the head colour.
        assert_eq!(&d.edge_bytes[16..20], &4.0f32.to_le_bytes());
        assert_eq!(&d.edge_bytes[24..28], &6.0f32.to_le_bytes());
        assert_eq!(&d.edge_bytes[28..32], &EDGE_HEAD.to_array());
        assert_eq!(d.edge_bytes[15], (200.0 * EDGE_TAIL_ALPHA).round() as u8);
        assert_eq!(&d.node_bytes[12..16], &3.0f32.to_le_bytes());
        assert_eq!(
            &d.node_bytes[NODE_STRIDE + 8..NODE_STRIDE + 12],
            &6.0f32.to_le_bytes()
        );
        assert_eq!(&d.node_bytes[16..20], &Color32::RED.to_array());
    }

    #[test]
    fn uniform_bytes_follow_the_wgsl_layout() {
        let p = Projection {
            origin: [1.0, 2.0, 3.0],
            matrix: [
                [1.0, 2.0, 3.0, 4.0],
                [5.0, 6.0, 7.0, 8.0],
                [9.0, 10.0, 11.0, 12.0],
                [13.0, 14.0, 15.0, 16.0],
            ],
            rect: egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(200.0, 100.0)),
        };
        let u = ViewUniform::new(&p, 1.5, true);
        let b = u.bytes();
        let f = |i: usize| f32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
        // Column-major matrix: element (row 1, col 0) is the second float.
        assert_eq!(f(1), 5.0);
        assert_eq!(f(4), 2.0);
        assert_eq!((f(16), f(17), f(18)), (1.0, 2.0, 3.0));
        assert_eq!(f(19), 1.5);
        assert_eq!((f(20), f(21)), (0.01, 0.02));
        assert_eq!(f(22), 1.0);
    }
}
