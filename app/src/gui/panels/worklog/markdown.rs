//! The post preview's Markdown: made ready for the viewer off the UI thread ([`prepare`]), then
//! drawn by `egui_commonmark` ([`show`]), its images loaded by egui's file and image loaders.

use egui_commonmark::{CommonMarkCache, CommonMarkViewer};
use pulldown_cmark::{Event, Options, Parser, Tag};

use super::preview::Preview;

/// An image a post links: its alt text and its link target as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedImage {
    pub caption: String,
    pub dest: String,
}

/// A post's Markdown made ready for the viewer, and the images it links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The text to show: the post with a visible caption line under each image that stands in a
    /// paragraph (the viewer shows alt text only on hover).
    pub text: String,
    /// Every image the post links, in order.
    pub images: Vec<LinkedImage>,
}

/// The parser options `egui_commonmark` uses, so both read the post the same way.
fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_DEFINITION_LIST
}

/// `text` with every ASCII punctuation mark backslash-escaped (literal inside Markdown).
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An image being read: where it ends in the text and whether it can take a caption line.
struct OpenImage {
    /// Open elements around the image.
    depth: usize,
    /// Byte offset just past `![…](…)`.
    end: usize,
    /// Directly inside a paragraph (not a table cell, heading or link), so a line break fits.
    captioned: bool,
    image: LinkedImage,
}

/// Makes a post's Markdown ready for the viewer (see [`Prepared`]).
pub fn prepare(markdown: &str) -> Prepared {
    let mut images = Vec::new();
    let mut captions: Vec<(usize, String)> = Vec::new();
    // Whether each open element is a paragraph.
    let mut open_paragraph: Vec<bool> = Vec::new();
    let mut open: Option<OpenImage> = None;
    for (event, range) in Parser::new_ext(markdown, parser_options()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if let (Tag::Image { dest_url, .. }, None) = (&tag, &open) {
                    open = Some(OpenImage {
                        depth: open_paragraph.len(),
                        end: range.end,
                        captioned: open_paragraph.last() == Some(&true),
                        image: LinkedImage {
                            caption: String::new(),
                            dest: dest_url.to_string(),
                        },
                    });
                }
                open_paragraph.push(matches!(tag, Tag::Paragraph));
            }
            Event::End(_) => {
                open_paragraph.pop();
                if let Some(done) = open.take_if(|o| o.depth == open_paragraph.len()) {
                    let caption = done.image.caption.trim();
                    if done.captioned && !caption.is_empty() {
                        captions.push((done.end, format!("\\\n*{}*", escaped(caption))));
                    }
                    images.push(done.image);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(o) = &mut open {
                    o.image.caption.push_str(&t);
                }
            }
            _ => {}
        }
    }
    let mut shown = String::with_capacity(markdown.len() + 32 * captions.len());
    let mut from = 0;
    for (at, caption) in captions {
        shown.push_str(&markdown[from..at]);
        shown.push_str(&caption);
        from = at;
    }
    shown.push_str(&markdown[from..]);
    Prepared {
        text: shown,
        images,
    }
}

/// Draws the preview: the post's path, then the post (headings, lists, tables, code blocks and
/// its images, which egui's loaders read and decode on their own threads).
pub fn show(ui: &mut egui::Ui, preview: &Preview, cache: &mut CommonMarkCache) {
    // Adds egui_extras' file and image loaders the first time (a no-op after).
    egui_extras::install_image_loaders(ui.ctx());
    ui.add(egui::Label::new(egui::RichText::new(preview.post.display().to_string()).weak()).wrap());
    // Images fit the column's width (never clipped at the window's right edge).
    let width = ui.available_width().max(50.0) as usize;
    CommonMarkViewer::new()
        .default_implicit_uri_scheme(preview.base_uri.as_str())
        .max_image_width(Some(width))
        .show(ui, cache, &preview.markdown);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_in_paragraphs_get_a_caption_line() {
        let post = "# T\n\n![Loss *curves*](loss_curves.png)\n\nText.\n\n\
                    | a | b |\n|---|---|\n| ![in table](t.png) | ✅ ❌ |\n";
        let p = prepare(post);
        assert_eq!(
            p.images,
            vec![
                LinkedImage {
                    caption: "Loss curves".into(),
                    dest: "loss_curves.png".into()
                },
                LinkedImage {
                    caption: "in table".into(),
                    dest: "t.png".into()
                },
            ]
        );
        assert_eq!(
            p.text,
            "# T\n\n![Loss *curves*](loss_curves.png)\\\n*Loss curves*\n\nText.\n\n\
             | a | b |\n|---|---|\n| ![in table](t.png) | ✅ ❌ |\n"
        );
    }

    #[test]
    fn captions_are_literal_text() {
        let p = prepare("![# a_b*](x.png)\n");
        assert!(p.text.ends_with("\\\n*\\# a\\_b\\**\n"), "{}", p.text);
        // The caption parses back to its own words, in emphasis, after a line break.
        let events: Vec<Event> = Parser::new_ext(&p.text, parser_options()).collect();
        let mut in_emphasis = false;
        let mut words = String::new();
        for e in events.iter().skip_while(|e| **e != Event::HardBreak) {
            match e {
                Event::Start(Tag::Emphasis) => in_emphasis = true,
                Event::Text(t) if in_emphasis => words.push_str(t),
                _ => {}
            }
        }
        assert_eq!(words, "# a_b*");
    }
}
