"""Reports: self-contained HTML (inline CSS and images, no CDN) with CSV and JSON beside it."""
