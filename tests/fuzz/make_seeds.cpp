// Writes the seed corpora of the fuzz targets into DIR/<target>/ (tests/fuzz/corpus):
//   adql_fuzz            every query of tests/adql/cases/*.case and the service's examples
//   votable_reader_fuzz  the writer's documents (every datatype, TABLEDATA/BINARY/BINARY2), small
//                        one-column tables, and malformed or hostile documents
//   csv_reader_fuzz      CSV/TSV for the target's schema, and malformed records
//   dali_params_fuzz     TAP parameter sets (form-encoded), with and without UPLOAD
// Usage: fuzz_seeds SOURCE_DIR OUT_DIR   (built on demand: cmake --build build-fuzz --target fuzz_seeds)
#include "case_file.hpp"
#include "samples.hpp"

#include <dax/tap/service.hpp>
#include <dax/votable/writer.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

namespace fs = std::filesystem;
using namespace dax::votable;

namespace {

std::size_t max_len = 8192;
std::set<std::string> written;

void save(const fs::path& dir, const std::string& name, const std::string& text) {
    if (text.size() > max_len || !written.insert(dir.string() + "\n" + text).second) return;
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary) << text;
}

std::string form_encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '*' || c == ',' || c == ':') out += static_cast<char>(c);
        else if (c == ' ') out += '+';
        else out += {'%', hex[c >> 4], hex[c & 15]};
    }
    return out;
}

std::string one_column(serialization ser, field f, const std::vector<cell>& cells) {
    string_sink out;
    auto w = make_votable_writer(out, ser, {});
    std::vector<field> fs{std::move(f)};
    w->begin(fs);
    for (const auto& c : cells) w->row(std::vector<cell>{c});
    w->finish();
    return out.out;
}

void votable_seeds(const fs::path& dir) {
    const char* sers[] = {"td", "b", "b2"};
    const serialization ss[] = {serialization::tabledata, serialization::binary, serialization::binary2};
    for (int s = 0; s < 3; ++s) {
        for (int rows : {0, 1, 3, 6}) save(dir, std::string("samples_") + sers[s] + "_" + std::to_string(rows), samples::document(ss[s], rows));
        save(dir, std::string("overflow_") + sers[s], samples::document(ss[s], 2, true));
        // One column per sample field, rows 1, 2 and 4 (4 has nulls): small seeds for each datatype.
        auto fields = samples::fields();
        for (std::size_t i = 0; i < fields.size(); ++i) {
            std::vector<samples::row_store> stores(3);  // the cells point into their row's store
            std::vector<cell> cells;
            int j = 0;
            for (int k : {1, 2, 4}) cells.push_back(samples::row(k, stores[static_cast<std::size_t>(j++)])[i]);
            save(dir, std::string("col_") + sers[s] + "_" + fields[i].name, one_column(ss[s], fields[i], cells));
        }
    }
    string_sink err;
    write_error_document(err, "line 1, column 8: unknown column 'nope'");
    save(dir, "error_document", err.out);

    const std::string head = R"(<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE type="results"><TABLE>)";
    const std::string tail = "</TABLE></RESOURCE></VOTABLE>";
    const std::string i1 = R"(<FIELD name="i" datatype="int"/>)";
    const std::string i2 = i1 + R"(<FIELD name="j" datatype="int"/>)";
    auto td = [&](const std::string& f, const std::string& rows) { return head + f + "<DATA><TABLEDATA>" + rows + "</TABLEDATA></DATA>" + tail; };
    auto bin = [&](const std::string& f, const std::string& b64, const std::string& kind = "BINARY2",
                   const std::string& attrs = "encoding=\"base64\"") {
        return head + f + "<DATA><" + kind + "><STREAM " + attrs + ">" + b64 + "</STREAM></" + kind + "></DATA>" + tail;
    };
    const std::vector<std::pair<std::string, std::string>> docs = {
        {"doctype_entities", R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;">]><VOTABLE><RESOURCE><TABLE><FIELD name="a" datatype="char" arraysize="*"/><DATA><TABLEDATA><TR><TD>&lol1;</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>)"},
        {"xxe", R"(<?xml version="1.0"?><!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]><VOTABLE>&x;</VOTABLE>)"},
        {"undefined_entity", td(i1, "<TR><TD>&nope;</TD></TR>")},
        {"char_refs", td(R"(<FIELD name="s" datatype="char" arraysize="*"/>)", "<TR><TD>&#65;&#x42;&lt;&amp;&quot;&apos;&gt;</TD></TR>")},
        {"cdata", td(R"(<FIELD name="s" datatype="unicodeChar" arraysize="*"/>)", "<TR><TD><![CDATA[<x>&]]></TD></TR>")},
        {"not_xml", "hello, world"},
        {"wrong_root", "<html><body/></html>"},
        {"truncated", head + i1 + "<DATA><TABLEDATA><TR><TD>1</TD>"},
        {"no_table", R"(<?xml version="1.0"?><VOTABLE><RESOURCE/></VOTABLE>)"},
        {"no_field", head + "<DATA><TABLEDATA/></DATA>" + tail},
        {"no_data", head + i1 + tail},
        {"bad_arraysize", head + R"(<FIELD name="a" datatype="int" arraysize="*x3"/>)" + tail},
        {"cells", td(i2, "<TR><TD>1</TD><TD/></TR><TR><TD>-2147483648</TD><TD>2147483647</TD></TR>")},
        {"null_value", td(R"(<FIELD name="i" datatype="int"><VALUES null="-1"/></FIELD>)", "<TR><TD>-1</TD></TR><TR><TD>0x10</TD></TR>")},
        {"arrays", td(R"(<FIELD name="a" datatype="int" arraysize="2x*"/><FIELD name="b" datatype="bit" arraysize="*"/><FIELD name="c" datatype="floatComplex" arraysize="2"/>)",
                      "<TR><TD>1 2 3 4</TD><TD>0101</TD><TD>1 2 3 4</TD></TR>")},
        {"scalars", td(R"(<FIELD name="b" datatype="boolean"/><FIELD name="u" datatype="unsignedByte"/><FIELD name="s" datatype="short"/><FIELD name="d" datatype="double"/><FIELD name="c" datatype="doubleComplex"/>)",
                       "<TR><TD>T</TD><TD>255</TD><TD>-32768</TD><TD>NaN</TD><TD>1 -1</TD></TR><TR><TD>?</TD><TD></TD><TD></TD><TD>+Inf</TD><TD></TD></TR>")},
        {"binary_int", bin(i1, "AAAAAQ==", "BINARY")},
        {"binary2_int", bin(i2, "AAAAAAEAAAAC")},
        {"binary2_var", bin(R"(<FIELD name="a" datatype="int" arraysize="*"/>)", "AAAAAAMAAAABAAAAAgAAAAM=")},
        {"binary2_neg_len", bin(R"(<FIELD name="a" datatype="int" arraysize="*"/>)", "AP////8=")},
        {"bad_base64", bin(i1, "AA==AAAA")},
        {"stream_href", bin(i1, "", "BINARY2", "href=\"http://example.org/data\" encoding=\"base64\"")},
        {"stream_gzip", bin(i1, "xx", "BINARY2", "encoding=\"gzip\"")},
        {"fits", head + i1 + "<DATA><FITS><STREAM href=\"x\"/></FITS></DATA>" + tail},
        {"infos", R"(<?xml version="1.0"?><VOTABLE version="1.4"><RESOURCE type="results"><INFO name="QUERY_STATUS" value="OK"/><TABLE>)" + i1 +
                      "<DATA><TABLEDATA><TR><TD>1</TD></TR></TABLEDATA></DATA></TABLE><INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/></RESOURCE></VOTABLE>"},
        {"group_param", head + R"(<DESCRIPTION>d</DESCRIPTION><PARAM name="p" datatype="char" arraysize="*" value="v"/><GROUP><FIELDref ref="i"/></GROUP><FIELD ID="i" name="i" datatype="int" unit="m" ucd="x" utype="y" xtype="z"><DESCRIPTION>x</DESCRIPTION><VALUES null="0"/><LINK href="h"/></FIELD>)" +
                            "<DATA><TABLEDATA><TR><TD>0</TD></TR></TABLEDATA></DATA>" + tail},
        {"nested_resources", R"(<?xml version="1.0"?><VOTABLE><RESOURCE><RESOURCE><RESOURCE type="results"><TABLE>)" + i1 + "<DATA><TABLEDATA><TR><TD>7</TD></TR></TABLEDATA></DATA>" + tail + "</RESOURCE></RESOURCE>"},
        {"utf16_bom", std::string("\xEF\xBB\xBF") + td(i1, "<TR><TD>3</TD></TR>")},
    };
    for (const auto& [n, d] : docs) save(dir, n, d);
}

std::vector<field> csv_schema() {
    auto f = [](const char* name, datatype t, const char* arraysize = "") {
        field x;
        x.name = name;
        x.type = t;
        x.arraysize = arraysize;
        return x;
    };
    return {f("id", datatype::long_), f("ra", datatype::double_), f("name", datatype::char_, "*"), f("ok", datatype::boolean),
            f("pos", datatype::double_, "2"), f("mag", datatype::float_), f("n", datatype::int_), f("s", datatype::short_),
            f("b", datatype::unsigned_byte), f("c", datatype::char_), f("u", datatype::unicode_char, "*"),
            f("poly", datatype::double_, "*"), f("flags", datatype::boolean, "3"), f("ids", datatype::long_, "2*"),
            f("grid", datatype::short_, "2x*"), f("z", datatype::double_complex)};
}

void csv_seeds(const fs::path& dir) {
    auto schema = csv_schema();
    for (char sep : {',', '\t'}) {
        string_sink out;
        auto w = make_csv_writer(out, sep);
        w->begin(schema);
        std::vector<double> pos{10.5, -3.25}, poly{1, 2, 3, 4, 5, 6};
        std::vector<char> flags{'T', 'F', '?'};
        std::vector<std::int64_t> ids{1, -2};
        std::vector<std::int16_t> grid{1, 2, 3, 4};
        for (int k = 0; k < 4; ++k) {
            std::vector<cell> r = {cell::integer(k == 3 ? -1 : k), cell::real(k * 1.5), cell::text(k % 2 ? "a, \"b\"\nc" : "plain"),
                                   cell::boolean(k % 2), cell::array<double>(pos), cell::real(0.25 * k), cell::integer(-k * 1000),
                                   cell::integer(k), cell::integer(200 + k), cell::text("x"), cell::text("\xC3\xA9t\xC3\xA9"),
                                   cell::array<double>(poly), cell::array<char>(flags), cell::array<std::int64_t>(ids),
                                   cell::array<std::int16_t>(grid), cell::complex(1, -k)};
            if (k == 2)
                for (auto& c : r) c = cell::none();
            w->row(r);
        }
        w->finish();
        save(dir, sep == ',' ? "written.csv" : "written.tsv", out.out);
    }
    const std::vector<std::pair<std::string, std::string>> texts = {
        {"quoted_crlf", "name,ID,ra,ok\r\n\"a, \"\"b\"\"\",1,10.5,T\r\nplain,2,,false\r\n\"multi\nline\",3,-1e3,1\n"},
        {"unknown_column", "id,ra,nope\n"},
        {"twice", "id,id\n"},
        {"bad_double", "id,ra\n1,2\n3,x\n"},
        {"too_many", "id,ra\n1,2,3\n"},
        {"bad_boolean", "id,ok\n1,maybe\n"},
        {"unterminated", "id,name\n1,\"open\n"},
        {"quote_inside", "id,name\n1,ab\"c\"\n"},
        {"empty", ""},
        {"header_only", "id\n"},
        {"arrays", "pos,poly,flags,ids,grid\n1 2,1 2 3 4 5 6,T F ?,1 2,1 2 3 4\n\"3 4\",,,,\n"},
        {"numbers", "id,ra,mag,n,s,b,z\n9223372036854775807,1e308,3.4e38,2147483647,32767,255,1 2\n-9223372036854775808,-0,nan,-2147483648,-32768,0,inf -inf\n"},
        {"tabs", "id\tname\tu\n1\tx y\t\xCE\xB1\n"},
        {"no_newline", "id,name\n1,last"},
        {"bom", "\xEF\xBB\xBFid,ra\n1,2\n"},
    };
    for (const auto& [n, t] : texts) save(dir, n, t);
}

void dali_seeds(const fs::path& dir, const std::vector<std::string>& queries) {
    int n = 0;
    auto add = [&](const std::string& body) { save(dir, "params_" + std::to_string(n++), body); };
    const std::vector<std::string> extra = {
        "LANG=ADQL&QUERY=" + form_encode("SELECT TOP 5 * FROM TAP_UPLOAD.t") + "&MAXREC=10&FORMAT=csv&UPLOAD=t,param:x",
        "LANG=ADQL&QUERY=" + form_encode("SELECT u.id, s.ra FROM TAP_UPLOAD.u AS u JOIN demo.stars AS s ON u.id = s.id") + "&UPLOAD=u,param:c&RESPONSEFORMAT=votable/b2",
        "LANG=ADQL&QUERY=" + form_encode("SELECT * FROM TAP_UPLOAD.a, TAP_UPLOAD.b") + "&UPLOAD=a,param:x;b,param:c",
        "LANG=ADQL&QUERY=" + form_encode("SELECT * FROM TAP_UPLOAD.t") + "&UPLOAD=t,param:mine&@mine=" + form_encode("a,b\n1,x\n2,3.5\n"),
        "LANG=ADQL&QUERY=" + form_encode("SELECT * FROM TAP_UPLOAD.t") + "&UPLOAD=t,param:v&@v=" +
            form_encode(R"(<VOTABLE><RESOURCE><TABLE><FIELD name="p" datatype="double" arraysize="2" xtype="point"/><DATA><TABLEDATA><TR><TD>1 2</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>)"),
        "LANG=ADQL&QUERY=" + form_encode("SELECT * FROM TAP_UPLOAD.t") + "&UPLOAD=t,http://example.org/t.xml",
        "LANG=ADQL&QUERY=" + form_encode("SELECT s.id, o.obs_id FROM demo.stars s, ivoa.ObsCore o"),
        "LANG=ADQL&QUERY=" + form_encode("SELECT TOP 3 obs_id, s_region FROM ivoa.ObsCore WHERE 1 = INTERSECTS(s_region, CIRCLE(10, 10, 1))") + "&MAXREC=2&FORMAT=fits",
        "LANG=ADQL&QUERY=" + form_encode("SELECT * FROM TAP_SCHEMA.columns WHERE table_name = 'demo.stars'") + "&FORMAT=" + form_encode("application/x-votable+xml;serialization=TABLEDATA"),
        "REQUEST=doQuery&LANG=ADQL-2.1&QUERY=" + form_encode("SELECT COUNT(*) FROM demo.stars") + "&FORMAT=tsv&MAXREC=0",
        "REQUEST=getCapabilities&LANG=ADQL&QUERY=x",
        "LANG=PQL&QUERY=x",
        "LANG=ADQL&QUERY=" + form_encode("SELECT 1") + "&MAXREC=-1",
        "LANG=ADQL&QUERY=" + form_encode("SELECT 1") + "&MAXREC=99999999999999999999&RESPONSEFORMAT=text/xml",
        "LANG=ADQL&QUERY=+++&FORMAT=nope",
        "lang=adql&query=" + form_encode("select ra from demo.stars where dec between -1 and 1") + "&format=CSV&maxrec=5",
        "LANG=ADQL",
        "",
    };
    for (const auto& b : extra) add(b);
    const char* formats[] = {"votable", "csv", "votable/td", "tsv", "votable/b", "fits"};
    for (std::size_t i = 0; i < queries.size(); ++i)
        add("LANG=ADQL&QUERY=" + form_encode(queries[i]) + "&FORMAT=" + formats[i % 6] + (i % 3 == 0 ? "&MAXREC=" + std::to_string(i) : ""));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: fuzz_seeds SOURCE_DIR OUT_DIR\n";
        return 2;
    }
    const fs::path src = argv[1], out = argv[2];
    std::vector<std::string> queries;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(src / "tests/adql/cases"))
        if (e.path().extension() == ".case") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        int i = 0;
        for (const auto& c : read_cases(f.string()))
            if (!c.query.empty()) {
                save(out / "adql_fuzz", f.stem().string() + "_" + std::to_string(i++), c.query);
                queries.push_back(c.query);
            }
    }
    int i = 0;
    std::vector<std::string> demo_queries;
    for (const auto& [name, q] : dax::tap::service::examples()) {
        save(out / "adql_fuzz", "example_" + std::to_string(i++), q);
        demo_queries.push_back(q);
    }
    // TAP seeds: the examples (they run on the demo schemas), then a sample of the case queries.
    for (std::size_t k = 0; k < queries.size(); k += 4) demo_queries.push_back(queries[k]);
    // Each target's -max_len (tests/fuzz/run.sh): longer seeds would be cut.
    max_len = 32768;
    votable_seeds(out / "votable_reader_fuzz");
    max_len = 8192;
    csv_seeds(out / "csv_reader_fuzz");
    max_len = 16384;
    dali_seeds(out / "dali_params_fuzz", demo_queries);
    return 0;
}
