"""The bookclub's scenarios: one module each, found by [tool.ormbench] scenarios."""
