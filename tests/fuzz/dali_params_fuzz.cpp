// libFuzzer target: TAP request parameters -> dax::tap::service::prepare (parameter checks,
// UPLOAD reading, parse, name resolution against the published tables and the uploads, choice
// of backend, translation), on a service opened once over the demo schemas; then a prepared query
// for the SQLite backend is run (at most 100 rows, 1 s) on 30 rows of demo.stars and the
// uploads, in its format: the SQLite geometry functions and the table writers get fuzzed values.
//
// Input: an application/x-www-form-urlencoded body, `name=value&name=value...` with %XX escapes
// and '+' for a space, e.g.
//     LANG=ADQL&QUERY=SELECT+TOP+5+*+FROM+TAP_UPLOAD.t&MAXREC=10&FORMAT=csv&UPLOAD=t,param:x
// A parameter whose name starts with '@' is a multipart part instead: "@t=<table>" is what
// UPLOAD's "param:t" fetches. Without such a part, "param:x" is a small VOTable and "param:c" a
// small CSV; any other URI is an error (no network).
//
// demo.stars is published on the SQLite backend and ivoa.ObsCore on a stand-in "PostgreSQL"
// backend (dialect postgres, never run), so that the backend choice and the refusal of queries
// that join both are reached too. Every value also goes through the DALI shape and interval
// parsers (dax/dali/shapes.hpp). An error returned by prepare, or thrown by run (dax::error), is
// an expected outcome.
#include "env.hpp"

#include <dax/dali/shapes.hpp>
#include <dax/tap/service.hpp>
#include <dax/votable/writer.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>

namespace {

using namespace dax;

class stand_in_backend : public tap::backend {
public:
    adql::dialect dialect() const override { return adql::dialect::postgres; }
    std::uint64_t run(const std::string&, std::span<const votable::field>, votable::table_writer&,
                      const tap::run_limits&, std::span<const tap::upload_table>) override {
        throw error("not run by the fuzzer");
    }
    result<std::uint64_t> load_csv(const adql::table_info&, std::string_view,
                                   const std::function<void(std::uint64_t)>&) override {
        return std::uint64_t(0);
    }
    bool has_table(const adql::table_info&) override { return false; }
    std::string upload_schema() const override { return "pg_temp"; }
};

const tap::service& open_service() {
    char dir[] = "/tmp/dax_dali_fuzz.XXXXXX";
    if (!mkdtemp(dir)) {
        std::perror("dali_params_fuzz: mkdtemp");
        std::abort();
    }
    tap::service_config cfg;
    cfg.data_dir = dir;
    const auto demo = tap::demo_schemas();  // demo.yaml, ivoa.yaml
    for (std::size_t i = 0; i < demo.size(); ++i) cfg.schemas.push_back({demo[i], i == 1 ? "pg" : "sqlite"});
    cfg.backends["pg"] = std::make_shared<stand_in_backend>();
    auto s = tap::service::open(cfg);
    if (!s) {
        std::fprintf(stderr, "dali_params_fuzz: cannot open the service: %s\n", s.err().what());
        std::abort();
    }
    std::string stars = "id,ra,dec,mag_g,mag_r\n";
    for (int i = 0; i < 30; ++i)
        stars += std::to_string(i) + "," + std::to_string(i * 12.25) + "," + std::to_string(-87.5 + i * 6) + "," +
                 (i % 7 ? std::to_string(10 + i * 0.5) : "") + "," + std::to_string(11 - i * 0.25) + "\n";
    if (auto r = s.value()->load_csv("demo.stars", stars); !r) {
        std::fprintf(stderr, "dali_params_fuzz: cannot load demo.stars: %s\n", r.err().what());
        std::abort();
    }
    static std::string data_dir = dir;
    std::atexit([] {
        std::error_code ec;
        std::filesystem::remove_all(data_dir, ec);
    });
    return *s.value().release();  // lives as long as the process
}

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

const char* const x_votable =
    R"(<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE type="results"><TABLE>)"
    R"(<FIELD name="id" datatype="long"/><FIELD name="ra" datatype="double" unit="deg"/><FIELD name="dec" datatype="double" unit="deg"/>)"
    R"(<FIELD name="label" datatype="char" arraysize="*"/><FIELD name="pos" datatype="double" arraysize="2" xtype="point"/>)"
    R"(<DATA><TABLEDATA><TR><TD>1</TD><TD>10.5</TD><TD>-3.25</TD><TD>a &amp; b</TD><TD>10.5 -3.25</TD></TR>)"
    R"(<TR><TD>2</TD><TD></TD><TD>89.9</TD><TD></TD><TD></TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>)";
const char* const c_csv = "id,ra,dec,name\n1,10.5,-3.25,alpha\n2,,89.9,\"b, c\"\n";

// The DALI value parsers SIA and SODA use (POS, CIRCLE, POLYGON, BAND, TIME): an accepted
// shape has finite numbers in range (infinite ends only in intervals).
void check_shape_parsers(const tap::parameters& params) {
    for (const auto& [name, value] : params) {
        (void)dali::parse_region(value);
        for (auto shape : {dali::parse_pos(value), dali::parse_circle(value), dali::parse_polygon(value)}) {
            if (!shape) continue;
            for (double v : shape->numbers)
                if (!std::isfinite(v)) __builtin_trap();
            volatile bool on_sphere = shape->sphere().has_value();
            (void)on_sphere;
        }
        if (auto i = dali::parse_time_interval(value); i && !(i->lo <= i->hi)) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tap::service& svc = open_service();

    const std::string_view body(reinterpret_cast<const char*>(data), size);
    tap::parameters params;
    std::vector<std::pair<std::string, std::string>> parts;
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string_view::npos) end = body.size();
        const std::string_view item = body.substr(start, end - start);
        start = end + 1;
        if (item.empty()) continue;
        const std::size_t eq = item.find('=');
        std::string name = decode(item.substr(0, eq));
        std::string value = eq == std::string_view::npos ? std::string() : decode(item.substr(eq + 1));
        if (!name.empty() && name[0] == '@') parts.emplace_back(name.substr(1), std::move(value));
        else params.emplace_back(std::move(name), std::move(value));
    }

    const tap::service::upload_fetcher fetch = [&parts](std::string_view uri) -> result<std::string> {
        if (uri.substr(0, 6) == "param:") {
            const std::string_view part = uri.substr(6);
            for (const auto& [n, v] : parts)
                if (n == part) return v;
            if (part == "x") return std::string(x_votable);
            if (part == "c") return std::string(c_csv);
            return error("no multipart part '" + std::string(part) + "'");
        }
        return error("UPLOAD URI '" + std::string(uri) + "' is not fetched by the fuzzer");
    };

    check_shape_parsers(params);

    static const bool verbose = dax_fuzz::env_on("DAX_FUZZ_VERBOSE");  // verdicts, for triage
    auto q = svc.prepare(params, fetch);
    if (!q) {
        if (verbose) std::fprintf(stderr, "prepare: %s\n", q.err().what());
        return 0;
    }
    // A prepared query is complete: SQL, a format, a backend, one field per result column.
    if (q->sql.empty() || !q->format || !q->target || q->maxrec < 0) __builtin_trap();
    volatile std::size_t sink = q->sql.size() + q->fields.size();
    for (const auto& u : q->uploads)
        for (const auto& row : u.rows)
            if (row.size() != u.table.columns.size()) __builtin_trap();  // one value per column
            else sink = sink + row.size();

    if (q->target->dialect() != adql::dialect::sqlite) return 0;  // the stand-in runs nothing
    q->maxrec = std::min<std::int64_t>(q->maxrec, 100);
    tap::run_limits lim;
    lim.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    votable::string_sink out;
    try {
        const auto rows = svc.run(*q, out, lim);
        if (verbose) std::fprintf(stderr, "run: %llu rows, %zu bytes of %s\n", static_cast<unsigned long long>(rows), out.out.size(), q->format->name.c_str());
    } catch (const error& e) {
        if (verbose) std::fprintf(stderr, "run: %s\n", e.what());
        // With DAX_FUZZ_SQL_ORACLE set, SQL that SQLite cannot prepare (or whose columns do not
        // match the metadata) for a query that prepare() accepted is a finding: the translator
        // wrote bad SQL. Errors while rows are computed ("query failed: ...") are not.
        static const bool oracle = dax_fuzz::env_on("DAX_FUZZ_SQL_ORACLE");
        const std::string_view m = e.what();
        if (oracle && (m.substr(0, 8) == "SQLite: " || m.substr(0, 10) == "internal: ")) {
            std::fprintf(stderr, "dali_params_fuzz: an accepted query does not run: %s\n--- ADQL\n%s\n--- SQL\n%s\n",
                         e.what(), q->adql.c_str(), q->sql.c_str());
            std::abort();
        }
    }
    sink = sink + out.out.size();
    return 0;
}
