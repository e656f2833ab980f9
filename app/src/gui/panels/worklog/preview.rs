//! An exported post read for the preview (off the UI thread): its Markdown made ready for the
//! viewer and the images it links beside it.

use std::path::{Path, PathBuf};

use super::markdown;

/// An image of the post found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostImage {
    /// Its alt text in the post.
    pub caption: String,
    /// `file://` URI of the image (what the viewer loads it by).
    pub uri: String,
}

/// A post ready to preview.
pub struct Preview {
    /// The post.md file.
    pub post: PathBuf,
    /// The Markdown to show (see [`markdown::Prepared::text`]).
    pub markdown: String,
    /// `file://` URI of the post's folder, ending in `/`: the viewer resolves relative image
    /// links against it.
    pub base_uri: String,
    /// The images linked by a relative path that exist beside the post, in order.
    pub images: Vec<PostImage>,
}

/// Whether a link target names its scheme (`https://…`, `data:…`) rather than a relative file.
fn has_scheme(dest: &str) -> bool {
    dest.contains("://") || dest.starts_with("data:")
}

impl Preview {
    /// Reads `post` and prepares it; lists the images it links that exist beside it.
    pub fn load(post: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(post).map_err(|e| format!("{}: {e}", post.display()))?;
        let dir = post.parent().unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let base_uri = format!("file://{}/", dir.display());
        let prepared = markdown::prepare(&text);
        let images = prepared
            .images
            .into_iter()
            .filter(|i| !has_scheme(&i.dest) && dir.join(&i.dest).is_file())
            .map(|i| PostImage {
                uri: format!("{base_uri}{}", i.dest),
                caption: i.caption,
            })
            .collect();
        Ok(Self {
            post: post.to_path_buf(),
            markdown: prepared.text,
            base_uri,
            images,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_beside_the_post_resolve_to_file_uris() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let post = tmp.path().join("post.md");
        std::fs::write(
            &post,
            "# P\n\n![Loss](loss.png)\n\n![Gone](gone.png)\n\n![Web](https://x.invalid/a.png)\n",
        )
        .expect("post");
        std::fs::write(tmp.path().join("loss.png"), b"png").expect("image");
        let p = Preview::load(&post).expect("preview");
        let dir = std::fs::canonicalize(tmp.path()).expect("dir");
        assert_eq!(p.base_uri, format!("file://{}/", dir.display()));
        assert_eq!(
            p.images,
            vec![PostImage {
                caption: "Loss".into(),
                uri: format!("file://{}/loss.png", dir.display()),
            }]
        );
        assert!(p.markdown.contains("![Loss](loss.png)\\\n*Loss*"));
        let missing = tmp.path().join("none.md");
        let err = Preview::load(&missing).err().expect("an error");
        assert!(err.contains("none.md"), "{err}");
    }
}
