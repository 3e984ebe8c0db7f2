"""Index: the brief store, its compiled cache and the catalog every question reads."""
