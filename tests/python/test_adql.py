"""dax.adql: translate() with schemas, functions, dialects, MAXREC; AdqlError's diagnostics."""
import pathlib

import pytest

import dax


def test_translate_without_schema_checks_syntax_only():
    t = dax.adql.translate("SELECT TOP 3 ra FROM t WHERE POINT(1, 2) = x", dialect="sqlite")
    assert t.sql == 'SELECT "ra" FROM "t" WHERE dax_point(1, 2) = "x" LIMIT 3'
    assert t.columns == [] and t.row_limit == 3


def test_translate_with_schema_describes_columns(demo_schema):
    t = dax.adql.translate("SELECT id, ra AS r FROM demo.stars", schema=demo_schema)
    assert t.sql == 'SELECT "id", "ra" AS "r" FROM "demo"."stars"'
    assert [(c.name, c.datatype, c.unit, c.ucd) for c in t.columns] == [
        ("id", "long", "", "meta.id;meta.main"), ("r", "double", "deg", "pos.eq.ra;meta.main")]


@pytest.mark.parametrize("dialect,want", [
    ("sqlite", 'SELECT "id" FROM "demo"."stars" LIMIT 11'),
    ("postgres", 'SELECT "id" FROM "demo"."stars" LIMIT 11'),
    ("mysql", "SELECT `id` FROM `demo`.`stars` LIMIT 11"),
    ("qserv", "SELECT `id` FROM `demo`.`stars` LIMIT 11"),
])
def test_dialects_and_maxrec(demo_schema, dialect, want):
    assert dax.adql.translate("SELECT id FROM demo.stars", dialect=dialect, schema=demo_schema, maxrec=10).sql == want


def test_errors_carry_every_position(demo_schema):
    with pytest.raises(dax.adql.AdqlError) as e:
        dax.adql.translate("SELECT nope,\n  nada FROM demo.stars", schema=demo_schema)
    assert isinstance(e.value, ValueError)
    assert [(d.line, d.column, d.message) for d in e.value.errors] == [
        (1, 8, "unknown column 'nope'"), (2, 3, "unknown column 'nada'")]
    assert str(e.value.errors[0]) == "line 1, column 8: unknown column 'nope'"


def test_functions_must_be_declared():
    with pytest.raises(dax.adql.AdqlError, match="unknown function 'ivo_hasword'"):
        dax.adql.translate("SELECT ivo_hasword(a, 'b') FROM t")
    t = dax.adql.translate("SELECT ivo_hasword(a, 'b') FROM t", udfs=["ivo_hasword(a VARCHAR, b VARCHAR) -> INTEGER"])
    assert "ivo_hasword" in t.sql


def test_catalog_is_loaded_once_and_reused(demo_schema):
    cat = dax.adql.Catalog(demo_schema, udfs=["ivo_hasword(a VARCHAR, b VARCHAR) -> INTEGER"])
    assert "demo.stars" in cat.tables
    for i in range(100):
        assert dax.adql.translate("SELECT TOP %d id FROM demo.stars" % (i + 1), schema=cat).row_limit == i + 1
    # Felis text works too, and a path object.
    text = pathlib.Path(demo_schema).read_text()
    assert dax.adql.translate("SELECT ra FROM demo.stars", schema=text).columns[0].unit == "deg"
    assert dax.adql.translate("SELECT ra FROM demo.stars", schema=pathlib.Path(demo_schema)).columns[0].unit == "deg"


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown dialect"):
        dax.adql.translate("SELECT a FROM t", dialect="oracle")
    with pytest.raises(ValueError):
        dax.adql.translate("SELECT a FROM t", schema="/nonexistent.yaml")
    with pytest.raises(ValueError):
        dax.adql.Catalog(udfs=["not a signature"])
