"""The medallion layers as pure transforms: DataFrame in, DataFrame out, no I/O and no actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType


def conform(df: DataFrame, *, schema: StructType) -> DataFrame:
    """Select exactly the schema's columns, in its order, cast to its types (the last step of every layer)."""
    from pyspark.sql import functions as F  # noqa: N812

    return df.select(*[F.col(field.name).cast(field.dataType).alias(field.name) for field in schema.fields])
