"""Customer-chosen coupons: the shop opens a pool, each customer picks what their code
applies to (a category or a product among those the pool allows)."""
