// Types of expressions (geometry, numbers, strings, units) with positioned errors, and the
// VOTable metadata of result columns.
#include "analyzer.hpp"
#include "units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace dax::adql::detail {

// Types are known only when names are (check_); at the syntax level nothing is refused here.
void analyzer::need(const adql::expr& a, bool ok, std::string_view what, std::string_view in) {
    if (!ok && check_) err(a.span, fmt::format("{} expects {}, not {}", in, what, type_word(a.type)));
}

void analyzer::infer(adql::expr& e) {
    auto& a = e.args;
    switch (e.kind) {
    case expr_kind::column: case expr_kind::subquery: break;
    case expr_kind::integer: e.type = value_type::integer; break;
    case expr_kind::decimal: case expr_kind::real: e.type = value_type::real; break;
    case expr_kind::string: e.type = value_type::string; break;
    case expr_kind::null: e.type = value_type::unknown; break;
    case expr_kind::negate:
        need(*a[0], numeric_or_unknown(a[0]->type), "a number", "unary minus");
        e.type = a[0]->type;
        e.unit = a[0]->unit;
        break;
    case expr_kind::add: case expr_kind::subtract: case expr_kind::multiply: case expr_kind::divide: {
        const char* op = e.kind == expr_kind::add ? "+" : e.kind == expr_kind::subtract ? "-" : e.kind == expr_kind::multiply ? "*" : "/";
        for (auto& x : a) need(*x, numeric_or_unknown(x->type), "numbers", fmt::format("operator {}", op));
        e.type = a[0]->type == value_type::integer && a[1]->type == value_type::integer ? value_type::integer
               : (a[0]->type == value_type::unknown || a[1]->type == value_type::unknown) ? value_type::unknown
               : value_type::real;
        if ((e.kind == expr_kind::add || e.kind == expr_kind::subtract) && a[0]->unit == a[1]->unit) e.unit = a[0]->unit;
        break;
    }
    case expr_kind::concat:
        for (auto& x : a)
            if (is_geometry(x->type)) need(*x, false, "strings", "operator ||");
        e.type = value_type::string;
        break;
    case expr_kind::aggregate:
        if (e.agg == aggregate_id::count) e.type = value_type::integer;
        else {
            if (e.agg != aggregate_id::min && e.agg != aggregate_id::max)
                need(*a[0], numeric_or_unknown(a[0]->type), "a number", detail::aggregate_name(e.agg));
            e.type = e.agg == aggregate_id::avg ? value_type::real : a[0]->type;
            e.unit = a[0]->unit;
        }
        break;
    case expr_kind::cast: {
        const auto& n = e.cast.name;
        e.type = n == "SMALLINT" || n == "INTEGER" || n == "BIGINT" ? value_type::integer
               : n == "REAL" || n == "DOUBLE PRECISION" ? value_type::real
               : n == "TIMESTAMP" ? value_type::timestamp
               : n == "POINT" ? value_type::point : n == "CIRCLE" ? value_type::circle
               : n == "POLYGON" ? value_type::polygon : value_type::string;
        if (is_geometry(a[0]->type) && !is_geometry(e.type) && check_)
            err(e.span, fmt::format("cannot CAST {} to {}", type_word(a[0]->type), n));
        if (is_geometry(e.type) && a[0]->type != value_type::string && a[0]->type != value_type::unknown && check_)
            err(e.span, fmt::format("CAST to {} takes a string (a DALI value such as '10 20'), not {}", n, type_word(a[0]->type)));
        break;
    }
    case expr_kind::case_when: {
        size_t first = e.case_operand ? 2 : 1;
        e.type = value_type::unknown;
        for (size_t i = first; i < a.size(); i += 2)
            if (a[i]->type != value_type::unknown) { e.type = a[i]->type; break; }
        if (e.case_else && a.back()->type != value_type::unknown && e.type == value_type::unknown) e.type = a.back()->type;
        break;
    }
    case expr_kind::compare:
        for (auto& x : a)
            if (is_geometry(x->type) && check_)
                err(x->span, fmt::format("{} cannot be compared with {}; use CONTAINS or INTERSECTS",
                                         type_word(x->type), e.op == compare_op::eq ? "=" : "a comparison"));
        e.type = value_type::boolean;
        break;
    case expr_kind::like: case expr_kind::ilike:
        for (auto& x : a)
            if (x->type != value_type::unknown && x->type != value_type::string)
                need(*x, false, "strings", e.kind == expr_kind::like ? "LIKE" : "ILIKE");
        e.type = value_type::boolean;
        break;
    case expr_kind::between: case expr_kind::in_list: case expr_kind::in_query:
        for (auto& x : a)
            if (is_geometry(x->type)) need(*x, false, "numbers or strings", e.kind == expr_kind::between ? "BETWEEN" : "IN");
        e.type = value_type::boolean;
        break;
    case expr_kind::is_null: case expr_kind::exists: case expr_kind::and_: case expr_kind::or_:
    case expr_kind::not_:
        e.type = value_type::boolean;
        break;
    case expr_kind::function: infer_function(e); break;
    }
}

void analyzer::infer_function(adql::expr& e) {
    if (e.fn == function_id::udf) infer_udf(e);
    else if (is_geometry_function(e.fn)) infer_geometry_function(e);
    else infer_scalar_function(e);
}

void analyzer::need_numbers(const adql::expr& e) {
    for (auto& x : e.args) need(*x, numeric_or_unknown(x->type), "numbers", detail::builtin_name(e.fn));
}

// A user-defined function has the type the catalog declares for it; unknown without a catalog.
void analyzer::infer_udf(adql::expr& e) {
    std::string rt;
    if (cat_)
        if (const function_info* f = cat_->function_named(to_lower(e.text))) rt = to_upper(f->return_type);
    e.type = rt.empty() ? value_type::unknown
           : rt.find("INT") != std::string::npos ? value_type::integer
           : rt == "REAL" || rt.find("DOUBLE") != std::string::npos || rt == "FLOAT" ? value_type::real
           : rt == "POINT" ? value_type::point : rt == "CIRCLE" ? value_type::circle
           : rt == "POLYGON" ? value_type::polygon : rt == "REGION" ? value_type::region
           : rt.find("CHAR") != std::string::npos ? value_type::string : value_type::unknown;
}

// Mathematical and string functions, COALESCE, NULLIF and IN_UNIT.
void analyzer::infer_scalar_function(adql::expr& e) {
    auto& a = e.args;
    switch (e.fn) {
    case function_id::abs: need_numbers(e); e.type = a[0]->type == value_type::integer ? value_type::integer : value_type::real; e.unit = a[0]->unit; return;
    case function_id::ceiling: case function_id::floor: case function_id::round: case function_id::truncate:
        need_numbers(e);
        e.type = value_type::real;
        e.unit = a[0]->unit;
        return;
    case function_id::mod: need_numbers(e); e.type = a[0]->type == value_type::integer && a[1]->type == value_type::integer ? value_type::integer : value_type::real; return;
    case function_id::degrees: need_numbers(e); e.type = value_type::real; e.unit = "deg"; return;
    case function_id::radians: need_numbers(e); e.type = value_type::real; e.unit = "rad"; return;
    case function_id::exp: case function_id::log: case function_id::log10: case function_id::pi:
    case function_id::power: case function_id::rand: case function_id::sqrt: case function_id::acos:
    case function_id::asin: case function_id::atan: case function_id::atan2: case function_id::cos:
    case function_id::cot: case function_id::sin: case function_id::tan:
        need_numbers(e);
        e.type = value_type::real;
        if (e.fn == function_id::acos || e.fn == function_id::asin || e.fn == function_id::atan || e.fn == function_id::atan2) e.unit = "rad";
        return;
    case function_id::lower: case function_id::upper:
        need(*a[0], a[0]->type == value_type::unknown || a[0]->type == value_type::string, "a string", detail::builtin_name(e.fn));
        e.type = value_type::string;
        return;
    case function_id::coalesce: case function_id::nullif:
        e.type = value_type::unknown;
        for (auto& x : a) if (x->type != value_type::unknown) { e.type = x->type; e.unit = x->unit; break; }
        return;
    case function_id::in_unit: {
        need(*a[0], numeric_or_unknown(a[0]->type), "a number", "IN_UNIT");
        e.type = value_type::real;
        std::string why;
        if (auto f = detail::unit_factor(a[0]->unit, a[1]->text, why)) {
            e.scale = *f;
            e.unit = a[1]->text;
        } else if (check_ || why.rfind("unknown unit", 0) == 0) {
            err(e.span, "IN_UNIT: " + why);
        } else {
            e.scale = std::nan("");  // unknown without names: printing SQL refuses it
        }
        return;
    }
    default: return;  // UDFs and geometry: infer_udf, infer_geometry_function
    }
}

void analyzer::infer_geometry_function(adql::expr& e) {
    auto& a = e.args;
    const std::string_view fname = detail::builtin_name(e.fn);
    switch (e.fn) {
    case function_id::point:
        need_numbers(e);
        e.type = value_type::point;
        return;
    case function_id::circle:
        if (a.size() == 2) {
            need(*a[0], point_or_unknown(a[0]->type), "a POINT as centre", "CIRCLE");
            need(*a[1], numeric_or_unknown(a[1]->type), "a number as radius", "CIRCLE");
        } else {
            need_numbers(e);
        }
        e.type = value_type::circle;
        return;
    case function_id::box:
        if (a.size() == 3) {
            need(*a[0], point_or_unknown(a[0]->type), "a POINT as centre", "BOX");
            for (size_t i = 1; i < 3; ++i) need(*a[i], numeric_or_unknown(a[i]->type), "numbers as sizes", "BOX");
        } else {
            need_numbers(e);
        }
        e.type = value_type::polygon;
        return;
    case function_id::polygon: {
        bool points = a[0]->type == value_type::point;
        if (points) {
            for (auto& x : a) need(*x, point_or_unknown(x->type), "POINTs as vertices", "POLYGON");
        } else {
            if (a.size() % 2 != 0 || a.size() < 6)
                err(e.span, fmt::format("POLYGON takes at least 3 vertices as pairs of coordinates or as POINTs, got {} values", a.size()));
            need_numbers(e);
        }
        e.type = value_type::polygon;
        return;
    }
    case function_id::region: e.type = value_type::region; return;
    case function_id::contains: case function_id::intersects:
        for (auto& x : a) need(*x, geometry_or_unknown(x->type), "geometries", fname);
        e.type = value_type::integer;
        return;
    case function_id::distance:
        if (a.size() == 2) {
            for (auto& x : a) need(*x, point_or_unknown(x->type), "POINTs", "DISTANCE");
        } else {
            need_numbers(e);
        }
        e.type = value_type::real;
        e.unit = "deg";
        return;
    case function_id::area:
        need(*a[0], geometry_or_unknown(a[0]->type), "a geometry", "AREA");
        e.type = value_type::real;
        e.unit = "deg**2";
        return;
    case function_id::centroid:
        need(*a[0], geometry_or_unknown(a[0]->type), "a geometry", "CENTROID");
        e.type = value_type::point;
        return;
    case function_id::coord1: case function_id::coord2:
        need(*a[0], point_or_unknown(a[0]->type), "a POINT", fname);
        e.type = value_type::real;
        e.unit = "deg";
        return;
    case function_id::coordsys:
        need(*a[0], geometry_or_unknown(a[0]->type), "a geometry", "COORDSYS");
        e.type = value_type::string;
        return;
    default: return;  // not a geometry function: infer_scalar_function
    }
}

const column_info* analyzer::describe(select_item& item, int position) {
    const adql::expr& e = *item.value;
    column_info c;
    if (e.kind == expr_kind::column && !e.column) {  // syntax-only mode: nothing known but the name
        c.name = item.alias ? item.alias->name : e.name.back().name;
        c.db_name = item.alias ? fold(*item.alias) : (e.sql_name.empty() ? fold(e.name.back()) : e.sql_name.back());
        c.datatype = "char";
        c.arraysize = "*";
        return own(std::move(c));
    }
    if (e.kind == expr_kind::column && e.column) {
        c = *e.column;
        if (item.alias) {
            c.name = item.alias->name;
            c.db_name = fold(*item.alias);
        } else {
            c.db_name = e.sql_name.back();
        }
        return item.alias || e.column ? own(std::move(c)) : e.column;
    }
    if (item.alias) {
        c.name = item.alias->name;
        c.db_name = fold(*item.alias);
    } else {
        c.name = default_name(e, position);
        c.db_name = c.name;
        item.output_name = c.name;
    }
    c.unit = e.unit;
    switch (e.type) {
    case value_type::integer: c.datatype = "long"; break;
    case value_type::real: c.datatype = "double"; break;
    case value_type::boolean: c.datatype = "boolean"; break;
    case value_type::string: c.datatype = "char"; c.arraysize = "*"; break;
    case value_type::timestamp: c.datatype = "char"; c.arraysize = "*"; c.xtype = "timestamp"; break;
    case value_type::point: c.datatype = "double"; c.arraysize = "2"; c.xtype = "point"; c.unit = "deg"; break;
    case value_type::circle: c.datatype = "double"; c.arraysize = "3"; c.xtype = "circle"; c.unit = "deg"; break;
    case value_type::polygon: c.datatype = "double"; c.arraysize = "*"; c.xtype = "polygon"; c.unit = "deg"; break;
    case value_type::region: c.datatype = "char"; c.arraysize = "*"; c.xtype = "adql:REGION"; break;
    case value_type::unknown: c.datatype = "char"; c.arraysize = "*"; break;
    }
    if (e.kind == expr_kind::function && e.fn == function_id::distance) c.ucd = "pos.angDistance";
    if (e.kind == expr_kind::aggregate && e.agg != aggregate_id::count && !e.args.empty() && e.args[0]->column) {
        const column_info* src = e.args[0]->column;
        if (e.agg == aggregate_id::avg) c.ucd = src->ucd.empty() ? "stat.mean" : "stat.mean;" + src->ucd;
        else if (e.agg == aggregate_id::min) c.ucd = src->ucd.empty() ? "stat.min" : "stat.min;" + src->ucd;
        else if (e.agg == aggregate_id::max) c.ucd = src->ucd.empty() ? "stat.max" : "stat.max;" + src->ucd;
        if (e.agg != aggregate_id::avg && e.agg != aggregate_id::sum) {
            c.datatype = src->datatype;
            c.arraysize = src->arraysize;
            c.xtype = src->xtype;
        }
    }
    if (e.kind == expr_kind::aggregate && e.agg == aggregate_id::count) c.ucd = "meta.number";
    return own(std::move(c));
}

std::string analyzer::default_name(const adql::expr& e, int position) {
    if (e.kind == expr_kind::function)
        return to_lower(e.fn == function_id::udf ? e.text : std::string(detail::builtin_name(e.fn)));
    if (e.kind == expr_kind::aggregate) return to_lower(detail::aggregate_name(e.agg));
    return fmt::format("col{}", position);
}

}  // namespace dax::adql::detail
