//! The tray icon's picture: a filled circle in the status light's colour on a transparent square, with a
//! soft edge. Drawn once here for both trays (the app's through Tauri, the keeper's over D-Bus).

/// The icon's width and height in pixels.
pub const TRAY_DOT_SIZE: u32 = 32;

/// The dot in `rgb`, as [`TRAY_DOT_SIZE`]² pixels of RGBA, row by row.
pub fn tray_dot_rgba(rgb: [u8; 3]) -> Vec<u8> {
    let [r, g, b] = rgb;
    let size = TRAY_DOT_SIZE as f32;
    let centre = (size - 1.0) / 2.0;
    let radius = size / 2.0 - 2.0;
    let mut rgba = Vec::with_capacity((TRAY_DOT_SIZE * TRAY_DOT_SIZE * 4) as usize);
    for y in 0..TRAY_DOT_SIZE {
        for x in 0..TRAY_DOT_SIZE {
            let d = ((x as f32 - centre).powi(2) + (y as f32 - centre).powi(2)).sqrt();
            let alpha = (radius + 0.5 - d).clamp(0.0, 1.0);
            rgba.extend_from_slice(&[r, g, b, (alpha * 255.0) as u8]);
        }
    }
    rgba
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dot_is_the_colour_in_the_middle_and_clear_in_the_corners() {
        let rgba = tray_dot_rgba([0x2e, 0xa0, 0x43]);
        assert_eq!(rgba.len(), (TRAY_DOT_SIZE * TRAY_DOT_SIZE * 4) as usize);
        let at = |x: u32, y: u32| {
            let i = ((y * TRAY_DOT_SIZE + x) * 4) as usize;
            [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]]
        };
        let mid = TRAY_DOT_SIZE / 2;
        assert_eq!(at(mid, mid), [0x2e, 0xa0, 0x43, 255]);
        assert_eq!(at(0, 0)[3], 0);
        assert_eq!(at(TRAY_DOT_SIZE - 1, TRAY_DOT_SIZE - 1)[3], 0);
    }
}
