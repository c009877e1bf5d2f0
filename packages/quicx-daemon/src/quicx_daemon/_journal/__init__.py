"""The journal: broker events on disk, so acknowledged tasks survive a crash."""
