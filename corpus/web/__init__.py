"""Articles from the web: feeds and sitemaps (`listings`), fetched politely (`client`), page by page
(`crawl`), remembered between runs in the index folder (`state`). `corpus.sources` is the entry point."""
