"""What-if scenarios: changes to a model, comparisons and reports."""
