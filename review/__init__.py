"""The review loop of a platform change: what it does to rendered/ (diff), and proposing it to Gitea."""
