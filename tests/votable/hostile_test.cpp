// Hostile and malformed VOTables: each is refused with its own specific message, in bounded
// memory, and nothing is fetched from the network or expanded from entities.
#include <dax/votable/reader.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace dax::votable;

namespace {

const std::string head = R"(<?xml version="1.0"?><VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE type="results"><TABLE>)";
const std::string tail = "</TABLE></RESOURCE></VOTABLE>";

std::string td(const std::string& fields, const std::string& rows) {
    return head + fields + "<DATA><TABLEDATA>" + rows + "</TABLEDATA></DATA>" + tail;
}
std::string bin(const std::string& fields, const std::string& b64, const std::string& kind = "BINARY2",
                const std::string& stream_attrs = "encoding=\"base64\"") {
    return head + fields + "<DATA><" + kind + "><STREAM " + stream_attrs + ">" + b64 + "</STREAM></" + kind + "></DATA>" + tail;
}

struct hostile {
    const char* what;
    std::string doc;
    std::string message;  // a part of the expected error
    reader_limits limits{};
};

std::string billion_laughs() {
    std::string d = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
    d += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">";
    for (int i = 2; i < 10; ++i)
        d += "<!ENTITY lol" + std::to_string(i) + " \"" + std::string(10, ' ') + "\">";
    d += "]><VOTABLE><RESOURCE><TABLE><FIELD name=\"a\" datatype=\"char\" arraysize=\"*\"/><DATA><TABLEDATA><TR><TD>&lol9;</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>";
    return d;
}

std::vector<hostile> cases() {
    const std::string i1 = R"(<FIELD name="i" datatype="int"/>)";
    const std::string i2 = i1 + R"(<FIELD name="j" datatype="int"/>)";
    reader_limits small_doc;
    small_doc.max_document_bytes = 100;
    reader_limits two_rows;
    two_rows.max_rows = 2;
    reader_limits few_fields;
    few_fields.max_fields = 3;
    reader_limits small_cells;
    small_cells.max_cell_bytes = 10;
    std::string deep = R"(<?xml version="1.0"?><VOTABLE>)";
    for (int i = 0; i < 100; ++i) deep += "<RESOURCE>";
    deep += "<TABLE/>";
    for (int i = 0; i < 100; ++i) deep += "</RESOURCE>";
    deep += "</VOTABLE>";
    std::string many_fields;
    for (int i = 0; i < 5; ++i) many_fields += "<FIELD name=\"f" + std::to_string(i) + "\" datatype=\"int\"/>";
    return {
        {"billion laughs", billion_laughs(), "a DOCTYPE is not allowed"},
        {"external entity (XXE)", R"(<?xml version="1.0"?><!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]><VOTABLE>&x;</VOTABLE>)", "a DOCTYPE is not allowed"},
        {"external DTD", R"(<?xml version="1.0"?><!DOCTYPE VOTABLE SYSTEM "http://example.org/evil.dtd"><VOTABLE/>)", "a DOCTYPE is not allowed"},
        {"undefined entity", head + i1 + "<DATA><TABLEDATA><TR><TD>&nope;</TD></TR></TABLEDATA></DATA>" + tail, "malformed XML"},
        {"not XML", "hello, world", "malformed XML"},
        {"empty document", "", "not a VOTable: the document is empty"},
        {"wrong root element", "<html><body/></html>", "not a VOTable: the root element is <html>"},
        {"truncated document", head + i1 + "<DATA><TABLEDATA><TR><TD>1</TD>", "malformed XML at line 1"},
        {"mismatched tags", head + i1 + "<DATA><TABLEDATA><TR><TD>1</TR></TD></TABLEDATA></DATA>" + tail, "malformed XML"},
        {"no TABLE", R"(<?xml version="1.0"?><VOTABLE><RESOURCE/></VOTABLE>)", "the VOTable has no TABLE"},
        {"TABLE without FIELD", head + "<DATA><TABLEDATA/></DATA>" + tail, "the TABLE has no FIELD"},
        {"FIELD without name", head + R"(<FIELD datatype="int"/>)" + tail, "FIELD 1 has no name"},
        {"unknown datatype", head + R"(<FIELD name="q" datatype="quad"/>)" + tail, "FIELD 'q' has an unknown datatype 'quad'"},
        {"bad arraysize", head + R"(<FIELD name="a" datatype="int" arraysize="x3"/>)" + tail, "FIELD 'a': bad arraysize 'x3'"},
        {"variable dimension not last", head + R"(<FIELD name="a" datatype="int" arraysize="*x3"/>)" + tail, "only the last dimension may be variable"},
        {"too many cells", td(i1, "<TR><TD>1</TD><TD>2</TD></TR>"), "row 1 has more cells than the 1 FIELDs"},
        {"too few cells", td(i2, "<TR><TD>1</TD></TR>"), "row 1 has 1 cells for 2 FIELDs"},
        {"empty row", td(i1, "<TR/>"), "row 1 has no cells"},
        {"bad integer", td(i1, "<TR><TD>abc</TD></TR>"), "row 1, column 'i': bad int value 'abc'"},
        {"short out of range", td(R"(<FIELD name="s" datatype="short"/>)", "<TR><TD>40000</TD></TR>"), "bad short value '40000'"},
        {"bad boolean", td(R"(<FIELD name="b" datatype="boolean"/>)", "<TR><TD>maybe</TD></TR>"), "bad boolean value 'maybe'"},
        {"bad complex", td(R"(<FIELD name="c" datatype="doubleComplex"/>)", "<TR><TD>1</TD></TR>"), "bad doubleComplex value '1'"},
        {"fixed array too short", td(R"(<FIELD name="a" datatype="int" arraysize="3"/>)", "<TR><TD>1 2</TD></TR>"), "2 elements for arraysize 3 (wrong arraysize)"},
        {"bounded array too long", td(R"(<FIELD name="a" datatype="int" arraysize="3*"/>)", "<TR><TD>1 2 3 4 5</TD></TR>"), "5 elements for arraysize 3* (wrong arraysize)"},
        {"element other than TD", td(i1, "<TR><TX>1</TX></TR>"), "unexpected <TX> in a TR"},
        {"element other than TR", td(i1, "<TX/>"), "unexpected <TX> in TABLEDATA"},
        {"malformed base64", bin(i1, "AAAA$AAA"), "malformed base64: invalid character"},
        {"base64 after padding", bin(i1, "AA==AAAA"), "malformed base64: data after padding"},
        {"truncated base64", bin(i1, "AAAAA"), "malformed base64: truncated data"},
        {"misplaced padding", bin(i1, "A===AAAA"), "malformed base64: misplaced '='"},
        {"stream ends inside a row", bin(i2, "AAAAAAE="), "BINARY stream ends inside row 1"},
        {"negative array length", bin(R"(<FIELD name="a" datatype="int" arraysize="*"/>)", "AP////8=", "BINARY2"), "negative array length"},
        {"array beyond its bound", bin(R"(<FIELD name="a" datatype="int" arraysize="2*"/>)", "AAAAAAMAAAABAAAAAgAAAAM=", "BINARY2"), "3 elements in a column of arraysize 2 (wrong arraysize)"},
        {"stream with href", bin(i1, "", "BINARY2", "href=\"http://example.org/data\" encoding=\"base64\""), "STREAM href (data outside the document) is not read"},
        {"stream encoding", bin(i1, "xx", "BINARY2", "encoding=\"gzip\""), "STREAM encoding 'gzip' is not supported: use base64"},
        {"FITS serialization", head + i1 + "<DATA><FITS><STREAM href=\"x\"/></FITS></DATA>" + tail, "FITS serialization inside a VOTable is not supported"},
        {"deep nesting", deep, "elements nested deeper than 32 levels"},
        {"huge attribute", head + "<FIELD name=\"" + std::string(100000, 'a') + "\" datatype=\"int\"/>" + tail, "attribute name longer than 65536 bytes"},
        {"document too large", td(i1, "<TR><TD>1</TD></TR>"), "exceeds the limit of 100 bytes", small_doc},
        {"too many rows", td(i1, "<TR><TD>1</TD></TR><TR><TD>2</TD></TR><TR><TD>3</TD></TR>"), "more than 2 rows", two_rows},
        {"too many FIELDs", head + many_fields + tail, "more than 3 FIELDs", few_fields},
        {"cell too large", td(R"(<FIELD name="s" datatype="char" arraysize="*"/>)", "<TR><TD>" + std::string(100, 'x') + "</TD></TR>"), "a cell exceeds 10 bytes", small_cells},
    };
}

}  // namespace

TEST_CASE("votable: hostile and malformed documents are refused, each with a specific message") {
    size_t n = 0;
    for (const auto& h : cases()) {
        INFO(std::string(h.what));
        std::string message;
        auto r = open_reader(h.doc, h.limits);
        if (!r.ok()) {
            message = r.err().what();
        } else {
            try {
                while (r.value()->next()) {
                }
                message = "(accepted)";
            } catch (const dax::error& e) {
                message = e.what();
            }
        }
        INFO("message: " << message);
        CHECK(message.find(h.message) != std::string::npos);
        ++n;
    }
    CHECK(n >= 30);
}
