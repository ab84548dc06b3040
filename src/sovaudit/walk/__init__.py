"""Stage 1, walk: which files of a tree are read, and how (gitignore, excludes, sizes, kinds)."""
