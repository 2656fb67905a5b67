"""Tools shared by the apps, below all of them: they import none."""
