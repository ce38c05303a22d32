"""What-if analysis and charts."""
