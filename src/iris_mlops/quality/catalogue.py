"""The expectation catalogue: GX names, typed arguments, and how each expectation is computed.

Arguments are pydantic models in strict mode, so a suite file with a missing argument, an unknown
argument or a value of the wrong type is refused when it is loaded, before any data is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["schema", "table", "map", "aggregate", "grouped", "shuffle", "cross"]
Scalar = Union[str, int, float, bool]  # noqa: UP007 - pydantic evaluates it at runtime on Python 3.10
Number = Union[int, float]  # noqa: UP007

# Spark type class names accepted by expect_column_values_to_be_of_type (GX compares the class name).
SPARK_TYPES = (
    "StringType", "DoubleType", "FloatType", "LongType", "IntegerType", "ShortType", "ByteType",
    "BooleanType", "TimestampType", "TimestampNTZType", "DateType", "DecimalType", "BinaryType", "ArrayType",
    "MapType", "StructType",
)


class Kwargs(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    def columns(self) -> list[str]:
        """The columns of the validated table this expectation names."""
        found = [getattr(self, "column", None)]
        found += list((getattr(self, "row_condition", None) or {}).keys())
        found.append(getattr(self, "match_on", None))
        return [c for c in found if c]


class Filtered(Kwargs):
    # A restricted GX row_condition: equality on columns, all must hold ({species: setosa}).
    row_condition: dict[str, Scalar] | None = None


class Bounds(Kwargs):
    min_value: Number | None = None
    max_value: Number | None = None
    strict_min: bool = False
    strict_max: bool = False

    @model_validator(mode="after")
    def _bounds(self) -> Bounds:
        if self.min_value is None and self.max_value is None:
            raise ValueError("needs min_value or max_value (or both)")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError(f"min_value {self.min_value} is above max_value {self.max_value}")
        return self


class ColumnKw(Filtered):
    column: str = Field(min_length=1)


class MapKw(ColumnKw):
    mostly: float = Field(default=1.0, ge=0.0, le=1.0)


class NumericKw(Bounds, ColumnKw):
    # iris-mlops extension: parse a string column with try_cast first (bronze keeps raw strings).
    parse_as: Literal["double"] | None = None


class BetweenKw(Bounds, MapKw):
    parse_as: Literal["double"] | None = None


class InSetKw(MapKw):
    value_set: list[Scalar] = Field(min_length=1)


class RowCountBetweenKw(Bounds, Filtered):
    pass


class RowCountEqualKw(Filtered):
    value: int = Field(ge=0)


class OrderedListKw(Kwargs):
    column_list: list[str] = Field(min_length=1)


class MatchSetKw(Kwargs):
    column_set: list[str] = Field(min_length=1)
    exact_match: bool = True


class ExistKw(Kwargs):
    column: str = Field(min_length=1)
    column_index: int | None = Field(default=None, ge=0)


class OfTypeKw(Kwargs):
    column: str = Field(min_length=1)
    type_: str

    @model_validator(mode="after")
    def _known_type(self) -> OfTypeKw:
        if self.type_ not in SPARK_TYPES:
            raise ValueError(f"type_ {self.type_!r} is not a Spark type name ({', '.join(SPARK_TYPES[:6])}, …)")
        return self


class UniqueKw(Kwargs):
    column: str = Field(min_length=1)
    mostly: float = Field(default=1.0, ge=0.0, le=1.0)


class DistinctSetKw(Kwargs):
    column: str = Field(min_length=1)
    value_set: list[Scalar] = Field(min_length=1)


class ProportionUniqueKw(Bounds, Kwargs):
    column: str = Field(min_length=1)


class GroupedCountKw(Bounds, Kwargs):
    column: str = Field(min_length=1)
    groups: list[Scalar] = Field(min_length=1)


class SumOtherRowCountKw(Kwargs):
    column: str = Field(min_length=1)
    other_table: str = Field(min_length=1)


class DistinctOtherKw(Kwargs):
    column: str = Field(min_length=1)
    other_table: str = Field(min_length=1)
    other_column: str = Field(min_length=1)
    # Compare only these values (other values of the other table are ignored, e.g. quarantined labels).
    value_set: list[str] | None = None
    # 'label': trim, lower-case and drop an 'iris-' prefix on the other table's values (raw bronze labels).
    normalize: Literal["none", "label"] = "none"
    # Restrict the other table to the values of this column seen in the validated data (e.g. batch_id).
    match_on: str | None = None


@dataclass(frozen=True)
class Spec:
    """One catalogue entry: what the expectation is, how it is computed, whether GX 1.x knows it."""

    kind: Kind
    kwargs: type[Kwargs]
    gx: bool = True
    numeric: bool = False


CATALOGUE: dict[str, Spec] = {
    "expect_table_row_count_to_be_between": Spec("table", RowCountBetweenKw),
    "expect_table_row_count_to_equal": Spec("table", RowCountEqualKw),
    "expect_table_columns_to_match_ordered_list": Spec("schema", OrderedListKw),
    "expect_table_columns_to_match_set": Spec("schema", MatchSetKw),
    "expect_column_to_exist": Spec("schema", ExistKw),
    "expect_column_values_to_be_of_type": Spec("schema", OfTypeKw),
    "expect_column_values_to_not_be_null": Spec("map", MapKw),
    "expect_column_values_to_be_in_set": Spec("map", InSetKw),
    "expect_column_values_to_be_between": Spec("map", BetweenKw, numeric=True),
    "expect_column_mean_to_be_between": Spec("aggregate", NumericKw, numeric=True),
    "expect_column_stdev_to_be_between": Spec("aggregate", NumericKw, numeric=True),
    "expect_column_min_to_be_between": Spec("aggregate", NumericKw, numeric=True),
    "expect_column_max_to_be_between": Spec("aggregate", NumericKw, numeric=True),
    "expect_column_sum_to_be_between": Spec("aggregate", NumericKw, numeric=True),
    "expect_column_values_to_be_unique": Spec("shuffle", UniqueKw),
    "expect_column_distinct_values_to_equal_set": Spec("shuffle", DistinctSetKw),
    "expect_column_proportion_of_unique_values_to_be_between": Spec("shuffle", ProportionUniqueKw),
    # iris-mlops extensions (not in GX 1.x): listed on stderr by `quality export --format gx`.
    "expect_grouped_row_count_to_be_between": Spec("grouped", GroupedCountKw, gx=False),
    "expect_column_sum_to_equal_other_table_row_count": Spec("cross", SumOtherRowCountKw, gx=False, numeric=True),
    "expect_column_distinct_values_to_equal_other_table": Spec("cross", DistinctOtherKw, gx=False),
}

AGGREGATE_FUNCTIONS = {
    "expect_column_mean_to_be_between": "mean",
    "expect_column_stdev_to_be_between": "stdev",
    "expect_column_min_to_be_between": "min",
    "expect_column_max_to_be_between": "max",
    "expect_column_sum_to_be_between": "sum",
}
