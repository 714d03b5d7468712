"""Catalog: products with typed facets, the facet schema, feed import."""
