"""Loaders: read the agencies exports, validate, normalise and load them into the graph."""
