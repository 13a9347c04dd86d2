"""The parquet writer's fast chat column equals polars' own row-by-row conversion."""

import polars as pl

from ehrmind.tasks.write import _prompt_column


def test_prompt_column_matches_row_by_row_conversion():
    # Reference: polars converting the Python lists of dicts itself (the slow path the build used before).
    prompts = [
        [{"role": "system", "content": "s"}, {"role": "user", "content": "a"}],
        [{"role": "user", "content": "only one"}],
        [{"role": "system", "content": ""}, {"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}],
    ]
    dtype = pl.List(pl.Struct({"role": pl.Utf8, "content": pl.Utf8}))
    expected = pl.Series("prompt", prompts, dtype=dtype)
    got = _prompt_column(prompts)
    assert got.dtype == dtype
    assert got.to_list() == expected.to_list()
