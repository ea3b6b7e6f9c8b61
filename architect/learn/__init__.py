"""The tutorial: chapters on how internet mail moves, drawn with the planner's own diagrams."""
