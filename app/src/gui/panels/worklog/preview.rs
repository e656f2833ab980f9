//! An exported post read for the preview: its Markdown and its images, decoded off the UI thread.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A post's text and the decoded images it links (by the link text in the Markdown).
pub struct Preview {
    pub post: PathBuf,
    pub markdown: String,
    pub images: HashMap<String, egui::ColorImage>,
}

/// Textures of the previewed images, made on first draw.
pub type Textures = HashMap<String, egui::TextureHandle>;

impl Preview {
    /// Reads `post.md` and decodes every `![…](file.png)` it links beside it.
    pub fn load(post: &Path) -> Result<Self, String> {
        let markdown =
            std::fs::read_to_string(post).map_err(|e| format!("{}: {e}", post.display()))?;
        let dir = post.parent().unwrap_or(Path::new("."));
        let mut images = HashMap::new();
        for line in markdown.lines() {
            let Some((_, file)) = super::markdown::image_link(line) else {
                continue;
            };
            if file.contains("..") || file.contains('/') {
                continue;
            }
            let Ok(img) = image::open(dir.join(file)) else {
                continue;
            };
            let rgba = img.to_rgba8();
            let size = [rgba.width() as usize, rgba.height() as usize];
            images.insert(
                file.to_string(),
                egui::ColorImage::from_rgba_unmultiplied(size, rgba.as_raw()),
            );
        }
        Ok(Self {
            post: post.to_path_buf(),
            markdown,
            images,
        })
    }
}
