//! A small Markdown view for post previews: headings, paragraphs, bullets, code blocks, tables and
//! images (the subset posts use).

use super::preview::{Preview, Textures};

/// `![caption](file)` → (caption, file).
pub fn image_link(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim().strip_prefix("![")?;
    let (caption, rest) = rest.split_once("](")?;
    let file = rest.strip_suffix(')')?;
    Some((caption, file))
}

/// Drops inline emphasis and code marks; the pass/fail marks become words (the app's fonts have no
/// emoji).
fn plain(text: &str) -> String {
    text.replace("**", "")
        .replace('`', "")
        .replace('✅', "(met)")
        .replace('❌', "(not met)")
}

fn split_row(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

pub fn show(ui: &mut egui::Ui, preview: &Preview, textures: &mut Textures) {
    ui.weak(preview.post.display().to_string());
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut code: Option<String> = None;
    let mut tables = 0usize;
    let flush = |ui: &mut egui::Ui, table: &mut Vec<Vec<String>>, tables: &mut usize| {
        if table.is_empty() {
            return;
        }
        *tables += 1;
        egui::ScrollArea::horizontal()
            .id_salt(("md_table_scroll", *tables))
            .show(ui, |ui| {
                egui::Grid::new(("md_table", *tables))
                    .striped(true)
                    .show(ui, |ui| {
                        for (r, row) in table.iter().enumerate() {
                            for c in row {
                                if r == 0 {
                                    ui.strong(plain(c));
                                } else {
                                    ui.label(plain(c));
                                }
                            }
                            ui.end_row();
                        }
                    });
            });
        table.clear();
    };
    for line in preview.markdown.lines() {
        if let Some(block) = &mut code {
            if line.trim_start().starts_with("```") {
                ui.add(egui::Label::new(egui::RichText::new(block.trim_end()).monospace()).wrap());
                code = None;
            } else {
                block.push_str(line);
                block.push('\n');
            }
            continue;
        }
        let t = line.trim();
        if t.starts_with('|') {
            if !t
                .trim_matches(|c| c == '|' || c == '-' || c == ':')
                .is_empty()
                || !t.contains("---")
            {
                table.push(split_row(t));
            }
            continue;
        }
        flush(ui, &mut table, &mut tables);
        if t.starts_with("```") {
            code = Some(String::new());
        } else if let Some(h) = t.strip_prefix("# ") {
            ui.heading(plain(h));
        } else if let Some(h) = t.strip_prefix("## ").or_else(|| t.strip_prefix("### ")) {
            ui.add_space(6.0);
            ui.label(egui::RichText::new(plain(h)).strong().size(17.0));
        } else if let Some((caption, file)) = image_link(t) {
            match preview.images.get(file) {
                Some(img) => {
                    let tex = textures.entry(file.to_string()).or_insert_with(|| {
                        ui.ctx()
                            .load_texture(file, img.clone(), egui::TextureOptions::LINEAR)
                    });
                    let size = tex.size_vec2();
                    let scale = (ui.available_width() / size.x).min(1.0);
                    ui.add(egui::Image::new((tex.id(), size * scale)).alt_text(caption));
                    ui.weak(caption);
                }
                None => {
                    ui.weak(format!("[image {file} missing]"));
                }
            }
        } else if let Some(item) = t.strip_prefix("- ") {
            ui.label(format!("- {}", plain(item)));
        } else if t.is_empty() {
            ui.add_space(2.0);
        } else {
            ui.add(egui::Label::new(plain(t.trim_matches('_'))).wrap());
        }
    }
    flush(ui, &mut table, &mut tables);
}

#[cfg(test)]
mod tests {
    #[test]
    fn image_links_and_rows() {
        assert_eq!(
            super::image_link("![Loss curves](loss_curves.png)"),
            Some(("Loss curves", "loss_curves.png"))
        );
        assert_eq!(super::image_link("text"), None);
        assert_eq!(super::split_row("| a | b\\|c |"), vec!["a", "b|c"]);
    }
}
