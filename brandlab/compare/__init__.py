"""A/B comparison of hashtags, keyword queries and campaigns."""
