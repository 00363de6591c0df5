"""What the tests share: problems, estimator configurations, oracles, golden digests."""
