"""loantool – the post-loan desk's toolkit (贷后管理工具)."""

__version__ = "0.1.0"
