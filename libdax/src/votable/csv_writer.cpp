// CSV (RFC 4180: header line, CRLF, quotes doubled, quoting where needed) and TSV (IANA
// text/tab-separated-values: no quoting exists, so tabs and line breaks in values become spaces).
#include <dax/votable/writer.hpp>

#include "cell_codec.hpp"
#include "output_buffer.hpp"

#include <fmt/format.h>

namespace dax::votable {

namespace {

class csv_writer final : public table_writer {
public:
    csv_writer(sink& s, char sep) : out_(s), sep_(sep) {}

    void begin(std::span<const field> fields) override {
        if (fields.empty()) throw error("a table needs at least one column");
        plans_.clear();
        for (size_t i = 0; i < fields.size(); ++i) {
            plans_.push_back(detail::plan_for(fields[i]));
            if (i) out_.put(sep_);
            text(fields[i].name);
        }
        end_line();
        started_ = true;
    }

    void row(std::span<const cell> cells) override {
        if (!started_) throw error("table_writer::row called before begin");
        if (cells.size() != plans_.size())
            throw error(fmt::format("a row has {} cells for {} columns", cells.size(), plans_.size()));
        for (size_t i = 0; i < cells.size(); ++i) {
            if (i) out_.put(sep_);
            if (cells[i].null) continue;  // empty field
            const auto& p = plans_[i];
            if (p.text) {
                text(cells[i].s);
            } else if (!p.array && p.type != datatype::float_complex && p.type != datatype::double_complex) {
                detail::tabledata_cell(out_, p, cells[i]);  // numbers and T/F need no quoting
            } else {
                // Arrays and complex numbers hold spaces: one quoted field (CSV) / as is (TSV).
                scratch_.clear();
                detail::output_buffer tmp(scratch_sink_);
                detail::tabledata_cell(tmp, p, cells[i]);
                tmp.drain();
                text(scratch_sink_.out);
                scratch_sink_.out.clear();
            }
        }
        end_line();
        ++rows_;
    }

    void finish(bool) override { out_.flush(); }
    void abort(std::string_view) override { out_.flush(); }  // no error marker exists in CSV/TSV
    std::uint64_t rows() const override { return rows_; }

private:
    void end_line() {
        if (sep_ == ',') out_.put("\r\n");
        else out_.put('\n');
    }

    void text(std::string_view s) {
        if (sep_ != ',') {
            for (char c : s) out_.put(c == '\t' || c == '\n' || c == '\r' ? ' ' : c);
            return;
        }
        bool quote = s.find_first_of(",\"\r\n") != std::string_view::npos || (!s.empty() && (s.front() == ' ' || s.back() == ' '));
        if (!quote) {
            out_.put(s);
            return;
        }
        out_.put('"');
        for (char c : s) {
            if (c == '"') out_.put('"');
            out_.put(c);
        }
        out_.put('"');
    }

    detail::output_buffer out_;
    char sep_;
    std::vector<detail::field_plan> plans_;
    string_sink scratch_sink_;
    std::string scratch_;
    bool started_ = false;
    std::uint64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<table_writer> make_csv_writer(sink& out, char separator) {
    return std::make_unique<csv_writer>(out, separator);
}

}  // namespace dax::votable
