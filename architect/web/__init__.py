"""The site's frame: home page, layout, error pages and the placeholders for later parts."""
