"""The workflows: complaints, and (as they land) repairs, return visits, lost items, visits."""
