"""Orders placed at the demo shop's checkout: what was bought, as configured, in which size
or made to measure, and the delivery chosen. A shop with its own checkout keeps its orders
itself and tells Prefero through purchase events; these rows exist so that what the demo shop
sells (a configuration, a made-to-measure shirt, a delivery window) is kept as it was sold.
"""
