// dax-adql: translate (or check) one ADQL query from the command line.
#include <dax/adql/felis.hpp>
#include <dax/adql/parser.hpp>
#include <dax/adql/translate.hpp>

#include <cstring>
#include <iostream>
#include <iterator>
#include <set>
#include <string>

namespace {
int usage(std::ostream& os, int code) {
    os << "usage: dax-adql [--dialect sqlite|postgres|mysql|qserv] [--schema FELIS.yaml]... [--udf SIGNATURE]...\n"
          "                [--maxrec N] [--partitioned SCHEMA.TABLE]... [--check] [QUERY]\n"
          "Translates an ADQL 2.1 query (the argument, or standard input) to SQL and prints it.\n"
          "  --check   only validate: print nothing on success. Alone: the ADQL syntax and that every\n"
          "            function called is ADQL's or declared; with --schema also names and types;\n"
          "            with --dialect also whether that backend can run it\n"
          "  --schema  check table and column names and types against a Felis schema (repeatable)\n"
          "  --udf     declare a user-defined function, e.g. 'ivo_hasword(a VARCHAR, b VARCHAR) -> INTEGER'\n"
          "  --partitioned  the table is partitioned by declination on its PostgreSQL server (dax-admin\n"
          "            shard): spatial restrictions get a declination band for partition pruning\n"
          "Exit status: 0 on success, 1 for an invalid query, 2 for bad usage.\n";
    return code;
}
}  // namespace

int main(int argc, char** argv) {
    dax::adql::translate_options opt;
    dax::adql::memory_catalog catalog;
    bool check = false, have_schema = false, have_dialect = false;
    std::set<std::string> partitioned;
    std::string query;
    bool have_query = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::cerr << "dax-adql: " << a << " needs a value\n";
                std::exit(usage(std::cerr, 2));
            }
            return argv[++i];
        };
        if (a == "--help" || a == "-h") return usage(std::cout, 0);
        if (a == "--check") check = true;
        else if (a == "--dialect") {
            auto d = dax::adql::dialect_from_name(value());
            if (!d) {
                std::cerr << "dax-adql: unknown dialect '" << argv[i] << "'\n";
                return usage(std::cerr, 2);
            }
            opt.target = *d;
            have_dialect = true;
        } else if (a == "--schema") {
            auto r = dax::adql::load_felis_file(value(), catalog);
            if (!r) {
                std::cerr << "dax-adql: " << r.err().what() << '\n';
                return 2;
            }
            have_schema = true;
        } else if (a == "--udf") {
            try {
                catalog.add_function(dax::adql::parse_function_signature(value()));
            } catch (const dax::error& e) {
                std::cerr << "dax-adql: " << e.what() << '\n';
                return 2;
            }
        } else if (a == "--partitioned") {
            partitioned.insert(value());
        } else if (a == "--maxrec") {
            try {
                opt.maxrec = std::stoll(value());
                if (*opt.maxrec < 0) throw std::invalid_argument("negative");
            } catch (...) {
                std::cerr << "dax-adql: --maxrec needs a non-negative integer\n";
                return 2;
            }
        } else if (a.size() > 1 && a[0] == '-' && a[1] == '-') {
            std::cerr << "dax-adql: unknown option " << a << '\n';
            return usage(std::cerr, 2);
        } else if (!have_query) {
            query = a;
            have_query = true;
        } else {
            std::cerr << "dax-adql: give the query as one argument (quote it)\n";
            return 2;
        }
    }
    if (!have_query) query.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    // Three levels (README "dax-adql"): the syntax and functions always; names and types with a
    // schema; a backend's abilities when SQL is printed (always unless --check without --dialect).
    opt.names = &catalog;
    if (!partitioned.empty())
        opt.prepared_tables = [&](const dax::adql::table_info& t) { return partitioned.count(t.schema + "." + t.name) > 0; };
    opt.check_names = have_schema;
    if (check && !have_dialect) {
        auto q = dax::adql::parse(query, opt.limits);
        if (!q) {
            std::cerr << q.err().what() << '\n';
            return 1;
        }
        try {
            dax::adql::run_passes(*q.value(), opt);
        } catch (const dax::error& e) {
            std::cerr << e.what() << '\n';
            return 1;
        }
        return 0;
    }
    auto t = dax::adql::translate(query, opt);
    if (!t) {
        std::cerr << t.err().what() << '\n';
        return 1;
    }
    if (!check) std::cout << t->sql << '\n';
    return 0;
}
