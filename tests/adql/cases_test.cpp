// Runs every ADQL case file: translation per dialect, exact errors with positions, and the
// round trip (parse, print ADQL, parse again: the same tree) for every valid query.
// DAX_REGEN=1 rewrites the expected SQL of valid cases from the current output (then review it).
#include "case_file.hpp"
#include "test_catalog.hpp"

#include <dax/adql/felis.hpp>
#include <dax/adql/parser.hpp>
#include <dax/adql/translate.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace dax::adql;

namespace {

std::vector<std::string> case_files() {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(DAX_TEST_DIR "/adql/cases"))
        if (e.path().extension() == ".case") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

const char* dialect_names[] = {"sqlite", "postgres", "mysql", "qserv"};

std::string run(const adql_case& c, dialect d) {
    translate_options o;
    o.target = d;
    // @syntax: the syntax level (dax-adql --check without --schema): the catalogue's functions
    // are declared, its tables and types are not checked.
    o.names = &test_catalog();
    o.check_names = !c.syntax_only;
    auto t = translate(c.query, o);
    return t ? t->sql : "ERROR " + std::string(t.err().what());
}

void regenerate(const std::string& path, const std::vector<adql_case>& cases) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::ostringstream out;
    // Keep the file header (lines before the first case).
    for (const auto& l : lines) {
        if (l.rfind("===", 0) == 0) break;
        out << l << '\n';
    }
    for (const auto& c : cases) {
        out << "=== " << c.name << (c.syntax_only ? " @syntax" : "") << (c.feature ? " @feature" : "") << '\n' << c.query << '\n';
        bool is_error = false;
        for (const auto& e : c.expect)
            if (e.first.rfind("error", 0) == 0) is_error = true;
        if (is_error && c.expect.size() == 1 && c.expect[0].first == "error") {
            // Errors are written by hand; keep them, but fill in the message if empty.
            std::string msg = c.expect[0].second;
            if (msg.empty() || std::string(std::getenv("DAX_REGEN")) == "errors") {
                auto r = run(c, dialect::sqlite);
                msg = r.rfind("ERROR ", 0) == 0 ? r.substr(6) : "(no error: " + r + ")";
            }
            out << ">>> error\n" << msg << "\n\n";
            continue;
        }
        for (int d = 0; d < 4; ++d) {
            std::string r = run(c, static_cast<dialect>(d));
            if (r.rfind("ERROR ", 0) == 0) out << ">>> error " << dialect_names[d] << '\n' << r.substr(6) << '\n';
            else out << ">>> " << dialect_names[d] << '\n' << r << '\n';
        }
        out << '\n';
    }
    std::ofstream(path) << trim_right(out.str()) << '\n';
}

}  // namespace

TEST_CASE("adql: every case file translates exactly as expected on every dialect") {
    size_t total = 0, valid = 0;
    const bool regen = std::getenv("DAX_REGEN") != nullptr;
    for (const auto& file : case_files()) {
        auto cases = read_cases(file);
        if (regen) {
            regenerate(file, cases);
            cases = read_cases(file);
        }
        for (const auto& c : cases) {
            ++total;
            INFO(fs::path(c.file).filename().string() << ":" << c.line << " " << c.name << "\n" << c.query);
            CHECK_MESSAGE(!c.expect.empty(), "case has no expectation");
            bool any_valid = false;
            for (const auto& [key, text] : c.expect) {
                if (key == "error") {
                    for (int d = 0; d < 4; ++d) {
                        std::string r = run(c, static_cast<dialect>(d));
                        CHECK_MESSAGE(r == "ERROR " + text, dialect_names[d]);
                    }
                    continue;
                }
                std::string dname = key.rfind("error ", 0) == 0 ? key.substr(6) : key;
                auto d = dialect_from_name(dname);
                REQUIRE_MESSAGE(d.has_value(), "unknown dialect " << key);
                std::string r = run(c, *d);
                if (key.rfind("error ", 0) == 0) CHECK(r == "ERROR " + text);
                else {
                    CHECK(r == text);
                    any_valid = true;
                }
            }
            if (!any_valid) continue;
            ++valid;
            // Round trip: print the AST as ADQL, parse it again, same tree.
            auto first = parse(c.query);
            REQUIRE(first.ok());
            std::string printed = print_adql(*first.value());
            auto second = parse(printed);
            INFO("printed: " << printed);
            REQUIRE_MESSAGE(second.ok(), (second.ok() ? "" : second.err().what()));
            CHECK(dump(*first.value()) == dump(*second.value()));
        }
    }
    MESSAGE(total << " cases, " << valid << " valid queries round-tripped");
    CHECK(total >= 300);
}

// The README's conformance table (feature x dialect) is what the @feature cases give today: a
// table written by hand would drift. DAX_REGEN=1 rewrites it.
TEST_CASE("adql: the README's conformance table is the outcome of the @feature cases") {
    const char* names[] = {"SQLite", "PostgreSQL + pgSphere", "MySQL / MariaDB", "Qserv"};
    std::string table = "| feature (a case of `tests/adql/cases`) |";
    for (auto* n : names) table += std::string(" ") + n + " |";
    table += "\n|---|---|---|---|---|\n";
    size_t rows = 0;
    for (const auto& file : case_files())
        for (const auto& c : read_cases(file)) {
            if (!c.feature) continue;
            ++rows;
            table += "| " + c.name + " |";
            for (int d = 0; d < 4; ++d) {
                std::string r = run(c, static_cast<dialect>(d));
                if (r.rfind("ERROR ", 0) != 0) {
                    table += " yes |";
                    continue;
                }
                std::string why = r.substr(6);
                if (why.rfind("line ", 0) == 0 && why.find(": ") != std::string::npos) why = why.substr(why.find(": ") + 2);
                std::string cell;
                for (char ch : why) cell += ch == '|' ? std::string("\\|") : ch == '\n' ? std::string("; ") : std::string(1, ch);
                table += " refused: " + cell + " |";
            }
            table += "\n";
        }
    CHECK(rows >= 40);
    const std::string path = DAX_TEST_DIR "/../README.md";
    std::ifstream in(path);
    std::stringstream buf;
    buf << in.rdbuf();
    std::string readme = buf.str();
    const std::string begin = "<!-- conformance table: generated by tests/adql/cases_test.cpp -->\n", end = "<!-- end of the conformance table -->";
    auto a = readme.find(begin), b = readme.find(end);
    REQUIRE_MESSAGE((a != std::string::npos && b != std::string::npos && a < b), "README.md lacks the conformance table markers");
    const std::string current = readme.substr(a + begin.size(), b - a - begin.size());
    if (std::getenv("DAX_REGEN") && current != table) {
        readme.replace(a + begin.size(), b - a - begin.size(), table);
        std::ofstream(path) << readme;
        return;
    }
    CHECK_MESSAGE(current == table, "README.md's conformance table differs from the cases; run DAX_REGEN=1 build/bin/adql_cases_test");
}
