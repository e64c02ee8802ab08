// dax.adql: translate(), Catalog (Felis schemas and declared functions, loaded once) and
// AdqlError, whose .errors hold every positioned diagnostic.
#include "bindings.hpp"

#include <dax/adql/felis.hpp>
#include <dax/adql/translate.hpp>

#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace py = pybind11;

namespace dax::python {
namespace {

struct catalog {
    adql::memory_catalog names;
    bool has_schema = false;
};

// A schema argument: a path, Felis YAML text (anything with a line break), or a list of them.
void load_schema(catalog& c, const py::handle& schema) {
    if (schema.is_none()) return;
    auto one = [&](const py::handle& h) {
        if (!py::isinstance<py::str>(h) && !py::hasattr(h, "__fspath__"))
            throw py::type_error("schema: a path, Felis YAML text, or a list of them");
        const std::string s = py::isinstance<py::str>(h) ? h.cast<std::string>() : h.attr("__fspath__")().cast<std::string>();
        auto r = s.find('\n') != std::string::npos ? adql::load_felis_text(s, c.names) : adql::load_felis_file(s, c.names);
        if (!r) throw py::value_error(r.err().what());
        c.has_schema = true;
    };
    if (py::isinstance<py::str>(schema) || py::hasattr(schema, "__fspath__")) return one(schema);
    for (const auto& h : py::iter(schema)) one(h);
}

std::shared_ptr<catalog> make_catalog(const py::handle& schema, const std::vector<std::string>& udfs) {
    auto c = std::make_shared<catalog>();
    load_schema(*c, schema);
    for (const auto& u : udfs) {
        try {
            c->names.add_function(adql::parse_function_signature(u));
        } catch (const dax::error& e) {
            throw py::value_error(e.what());
        }
    }
    return c;
}

struct diagnostic {
    int line = 0, column = 0;
    std::string message;
};

struct column {
    std::string name, datatype, arraysize, unit, ucd, xtype, description;
};

struct translation {
    std::string sql;
    std::vector<column> columns;
    std::optional<std::int64_t> row_limit;
};

}  // namespace

void bind_adql(py::module_& m) {
    py::class_<diagnostic>(m, "Diagnostic", "One error: 1-based line and column (0 when unknown) and the message.")
        .def_readonly("line", &diagnostic::line)
        .def_readonly("column", &diagnostic::column)
        .def_readonly("message", &diagnostic::message)
        .def("__str__", [](const diagnostic& d) {
            return d.line ? "line " + std::to_string(d.line) + ", column " + std::to_string(d.column) + ": " + d.message : d.message;
        })
        .def("__repr__", [](const diagnostic& d) {
            return "Diagnostic(line=" + std::to_string(d.line) + ", column=" + std::to_string(d.column) + ", message=" +
                   py::repr(py::str(d.message)).cast<std::string>() + ")";
        });
    py::class_<column>(m, "Column", "A result column's VOTable metadata.")
        .def_readonly("name", &column::name)
        .def_readonly("datatype", &column::datatype)
        .def_readonly("arraysize", &column::arraysize)
        .def_readonly("unit", &column::unit)
        .def_readonly("ucd", &column::ucd)
        .def_readonly("xtype", &column::xtype)
        .def_readonly("description", &column::description)
        .def("__repr__", [](const column& c) { return "Column(" + py::repr(py::str(c.name)).cast<std::string>() + ", " + c.datatype + ")"; });
    py::class_<translation>(m, "Translation", "The SQL of a query and its result columns (when a schema was given).")
        .def_readonly("sql", &translation::sql)
        .def_readonly("columns", &translation::columns)
        .def_readonly("row_limit", &translation::row_limit)
        .def("__repr__", [](const translation& t) { return "Translation(" + py::repr(py::str(t.sql)).cast<std::string>() + ")"; });

    // AdqlError(ValueError) with .errors: every diagnostic of the query.
    py::object error_type = py::reinterpret_steal<py::object>(
        PyErr_NewExceptionWithDoc("dax.adql.AdqlError", "An invalid ADQL query; .errors lists every Diagnostic (line, column, message).",
                                  PyExc_ValueError, nullptr));
    m.attr("AdqlError") = error_type;

    py::class_<catalog, std::shared_ptr<catalog>>(m, "Catalog",
                                                  "Published tables (Felis schemas) and declared user-defined functions, loaded once "
                                                  "for many translations.")
        .def(py::init([](const py::object& schema, const std::vector<std::string>& udfs) { return make_catalog(schema, udfs); }),
             py::arg("schema") = py::none(), py::arg("udfs") = std::vector<std::string>{},
             "schema: a Felis YAML path, its text, or a list of them; udfs: signatures such as "
             "'ivo_hasword(a VARCHAR, b VARCHAR) -> INTEGER'.")
        .def_property_readonly("tables", [](const catalog& c) {
            std::vector<std::string> out;
            for (const auto& t : c.names.tables()) out.push_back(t->schema.empty() ? t->name : t->schema + "." + t->name);
            return out;
        });

    // For bench/python_bench.py: the median of n translations timed in C++ (seconds), so that the
    // cost of calling from Python can be told apart.
    m.def(
        "_median_translate_seconds",
        [](const std::string& query, const std::string& dialect, const std::shared_ptr<catalog>& cat, int n) {
            if (!cat || n < 1) throw py::value_error("a Catalog and n >= 1");
            adql::translate_options o;
            o.target = adql::dialect_from_name(dialect).value_or(adql::dialect::postgres);
            o.names = &cat->names;
            o.check_names = cat->has_schema;
            std::vector<double> t;
            py::gil_scoped_release unlocked;
            for (int i = 0; i < n; ++i) {
                const auto a = std::chrono::steady_clock::now();
                auto r = adql::translate(query, o);
                t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
            }
            std::nth_element(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(t.size() / 2), t.end());
            return t[t.size() / 2];
        },
        py::arg("query"), py::arg("dialect"), py::arg("catalog"), py::arg("n"));
    m.def(
        "translate",
        [error_type](const std::string& query, const std::string& dialect, const py::object& schema, const std::vector<std::string>& udfs,
                     std::optional<std::int64_t> maxrec) {
            std::shared_ptr<catalog> cat;
            if (py::isinstance<catalog>(schema)) {
                cat = schema.cast<std::shared_ptr<catalog>>();
                if (!udfs.empty()) throw py::value_error("give udfs to the Catalog, not with one");
            } else {
                cat = make_catalog(schema, udfs);
            }
            auto d = adql::dialect_from_name(dialect);
            if (!d) throw py::value_error("unknown dialect '" + dialect + "': sqlite, postgres, mysql or qserv");
            if (maxrec && *maxrec < 0) throw py::value_error("maxrec must not be negative");
            adql::translate_options o;
            o.target = *d;
            o.names = &cat->names;
            o.check_names = cat->has_schema;
            o.maxrec = maxrec;
            std::optional<result<adql::translation>> t;
            {
                py::gil_scoped_release unlocked;
                t.emplace(adql::translate(query, o));
            }
            if (!*t) {
                py::list errors;
                const auto& ds = t->err().diagnostics();
                if (ds.empty()) errors.append(py::cast(diagnostic{0, 0, t->err().what()}));
                for (const auto& x : ds) errors.append(py::cast(diagnostic{static_cast<int>(x.span.line), static_cast<int>(x.span.column), x.message}));
                py::object e = error_type(t->err().what());
                e.attr("errors") = errors;
                PyErr_SetObject(error_type.ptr(), e.ptr());
                throw py::error_already_set();
            }
            translation out;
            out.sql = std::move(t->value().sql);
            out.row_limit = t->value().row_limit;
            for (const auto& c : t->value().columns) out.columns.push_back({c.name, c.datatype, c.arraysize, c.unit, c.ucd, c.xtype, c.description});
            return out;
        },
        py::arg("query"), py::arg("dialect") = "postgres", py::arg("schema") = py::none(), py::arg("udfs") = std::vector<std::string>{},
        py::arg("maxrec") = py::none(),
        R"(Translates an ADQL 2.1 query to one SQL SELECT.

dialect: "sqlite", "postgres" (pgSphere), "mysql" (MariaDB) or "qserv".
schema: a Catalog, or a Felis YAML path / text / list of them: names and types are checked and
    .columns describes the result; without one only the syntax and the functions are checked.
udfs: signatures of user-defined functions (when schema is not a Catalog).
maxrec: limit the query to min(TOP, maxrec + 1) rows, as a TAP service does to detect overflow.
Raises AdqlError (a ValueError) whose .errors list every Diagnostic(line, column, message).)");
}

}  // namespace dax::python
