// FITS binary tables through CFITSIO (FITS 4.0 section 7.3). The fitsfile handle lives in an
// RAII owner; every CFITSIO status becomes a dax::error naming the call.
#include <dax/fits/fits_writer.hpp>

#include <dax/votable/row_spool.hpp>

#include "fits_file.hpp"

#include <fitsio.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <limits>
#include <memory>
#include <vector>

namespace dax::fits {

namespace {

using votable::cell;
using votable::datatype;
using votable::field;

using detail::check;

struct column {
    datatype type;
    votable::array_shape shape;
    bool text = false, variable = false;
    long repeat = 1;            // elements per cell (fixed), 1 for scalars
    int cfitsio_type = 0;       // TSHORT, TINT, TLONGLONG, TFLOAT, TDOUBLE, ...
    long long null = 0;         // TNULLn for integers
    long bound = 0;             // n of a char "n*" column
    long max_length = 0;        // longest string written (variable-width string columns)
    std::string name, unit, ucd, description, utype, xtype;
    // Block buffers for fixed-size numeric columns.
    std::vector<unsigned char> bytes;
    std::vector<double> doubles;
    std::vector<float> floats;
    std::vector<long long> longs;
    std::vector<int> ints;
    std::vector<short> shorts;
    std::vector<char> logicals;
};

char tform_code(datatype t) {
    switch (t) {
    case datatype::boolean: return 'L';
    case datatype::bit: return 'X';
    case datatype::unsigned_byte: return 'B';
    case datatype::short_: return 'I';
    case datatype::int_: return 'J';
    case datatype::long_: return 'K';
    case datatype::char_: case datatype::unicode_char: return 'A';
    case datatype::float_: return 'E';
    case datatype::double_: return 'D';
    case datatype::float_complex: return 'C';
    case datatype::double_complex: return 'M';
    }
    return 'D';
}

// CFITSIO's logical of a VOTable boolean character: 1 true, 0 false, 2 null.
char cfitsio_logical(char x) { return x == 'T' || x == 't' || x == '1' ? 1 : x == 'F' || x == 'f' || x == '0' ? 0 : 2; }

// A column's layout and TFORM. Strings get one fixed width: the longest value written
// (`max_text`), as FITS needs every width in the header before the first row.
column column_of(const field& fd, long max_text, std::string& form) {
    column c;
    c.type = fd.type;
    c.shape = votable::parse_arraysize(fd.arraysize);
    c.text = fd.type == datatype::char_ || fd.type == datatype::unicode_char;
    c.variable = c.shape.variable;
    c.repeat = c.shape.scalar() ? 1 : static_cast<long>(c.shape.fixed_elements());
    if (c.variable && !c.shape.dims.empty()) c.bound = static_cast<long>(c.shape.dims.back());
    c.name = fd.name;
    c.unit = fd.unit;
    c.ucd = fd.ucd;
    c.description = fd.description;
    c.utype = fd.utype;
    c.xtype = fd.xtype;
    if (c.text) {
        if (c.variable || c.type == datatype::unicode_char) {
            long w = std::max(1L, max_text);
            if (c.bound) w = std::min(w, c.bound);
            c.variable = false;
            c.repeat = w;
        }
        form = fmt::format("{}A", c.repeat);
    } else if (c.variable) {
        form = fmt::format("1P{}", tform_code(fd.type));
    } else {
        form = fmt::format("{}{}", c.repeat, tform_code(fd.type));
    }
    switch (fd.type) {
    case datatype::unsigned_byte: c.cfitsio_type = TBYTE; c.null = fd.null_value.value_or(255); break;
    case datatype::short_: c.cfitsio_type = TSHORT; c.null = fd.null_value.value_or(std::numeric_limits<short>::min()); break;
    case datatype::int_: c.cfitsio_type = TINT; c.null = fd.null_value.value_or(std::numeric_limits<int>::min()); break;
    case datatype::long_: c.cfitsio_type = TLONGLONG; c.null = fd.null_value.value_or(std::numeric_limits<long long>::min()); break;
    case datatype::float_: c.cfitsio_type = TFLOAT; break;
    case datatype::double_: c.cfitsio_type = TDOUBLE; break;
    case datatype::float_complex: c.cfitsio_type = TCOMPLEX; break;
    case datatype::double_complex: c.cfitsio_type = TDBLCOMPLEX; break;
    case datatype::boolean: c.cfitsio_type = TLOGICAL; break;
    case datatype::bit: c.cfitsio_type = TBIT; break;
    default: c.cfitsio_type = TSTRING; break;
    }
    return c;
}

class fits_writer final : public votable::table_writer {
public:
    explicit fits_writer(std::string path) : path_(std::move(path)) {}

    // FITS needs every column width in the header before the first row, and strings of unknown
    // width are common: rows are spooled to a temporary file (BINARY2 encoding) while the
    // longest string of each column is tracked, and the table is written once at the end.
    void begin(std::span<const field> fields) override {
        if (fields.empty()) throw error("a table needs at least one column");
        if (spool_) throw error("table_writer::begin called twice");
        fields_.assign(fields.begin(), fields.end());
        max_text_.assign(fields_.size(), 0);
        spool_ = std::make_unique<votable::row_spool>(fields_);
    }

    void row(std::span<const cell> cells) override {
        if (!spool_) throw error("table_writer::row called before begin");
        spool_->write(cells);
        for (size_t i = 0; i < cells.size(); ++i)
            if (!cells[i].null && (fields_[i].type == datatype::char_ || fields_[i].type == datatype::unicode_char))
                max_text_[i] = std::max(max_text_[i], static_cast<long>(cells[i].s.size()));
    }

    void finish(bool overflow) override { close(overflow ? "OVERFLOW" : "OK", ""); }
    void abort(std::string_view message) override { close("ERROR", message); }
    std::uint64_t rows() const override { return spool_ ? spool_->rows() : 0; }

private:
    void create_table(std::span<const field> fields) {
        file_ = detail::create_file(path_);
        fitsfile* f = file_.get();
        int status = 0;
        fits_create_img(f, BYTE_IMG, 0, nullptr, &status);
        check(status, "writing the primary HDU");
        std::vector<std::string> ttype, tform, tunit;
        for (const auto& fd : fields) {
            std::string form;
            cols_.push_back(column_of(fd, max_text_[cols_.size()], form));
            ttype.push_back(fd.name);
            tform.push_back(form);
            tunit.push_back(fd.unit);
        }
        std::vector<char*> tt, tf, tu;
        for (size_t i = 0; i < fields.size(); ++i) {
            tt.push_back(ttype[i].data());
            tf.push_back(tform[i].data());
            tu.push_back(tunit[i].data());
        }
        fits_create_tbl(f, BINARY_TBL, 0, static_cast<int>(fields.size()), tt.data(), tf.data(), tu.data(), "RESULTS", &status);
        check(status, "creating the binary table");
        for (size_t i = 0; i < cols_.size(); ++i) {
            const auto& c = cols_[i];
            const int n = static_cast<int>(i) + 1;
            if (!c.text && c.cfitsio_type != TFLOAT && c.cfitsio_type != TDOUBLE && c.cfitsio_type != TCOMPLEX &&
                c.cfitsio_type != TDBLCOMPLEX && c.cfitsio_type != TLOGICAL && c.cfitsio_type != TBIT) {
                const std::string k = fmt::format("TNULL{}", n);
                long long v = c.null;
                fits_write_key(f, TLONGLONG, k.c_str(), &v, "value of null cells", &status);
            }
            if (c.shape.dims.size() > 1 && !c.variable) {
                std::vector<long> dims(c.shape.dims.begin(), c.shape.dims.end());
                fits_write_tdim(f, n, static_cast<int>(dims.size()), dims.data(), &status);
            }
            check(status, "writing column keywords");
        }
    }

    void write_row(std::span<const cell> cells) {
        for (size_t i = 0; i < cells.size(); ++i) buffer(i, cells[i]);
        ++rows_;
        if (++block_ == block_rows) flush_block();
    }

    static constexpr long block_rows = 4096;

    // Fixed-size columns are gathered per block; variable-size ones (heap descriptors) and
    // strings are written row by row.
    void buffer(size_t i, const cell& c) {
        column& col = cols_[i];
        const long long row = static_cast<long long>(rows_) + 1;
        const int n = static_cast<int>(i) + 1;
        if (col.text) return write_text(col, n, row, c);
        if (col.variable) return write_array(col, n, row, c);
        buffer_fixed(col, c);
    }

    void write_text(column& col, int n, long long row, const cell& c) {
        fitsfile* f = file_.get();
        int status = 0;
        // FITS strings are printable ASCII (FITS 4.0 section 7.3.3.1): other bytes become '?'.
        std::string s;
        if (!c.null) {
            s.reserve(c.s.size());
            for (char ch : c.s) {
                const unsigned char u = static_cast<unsigned char>(ch);
                if (u >= 0x80 && u < 0xC0) continue;  // UTF-8 continuation: one '?' per character
                s.push_back(u < 0x20 || u > 0x7E ? '?' : ch);
            }
        }
        if (!col.variable && static_cast<long>(s.size()) > col.repeat) s.resize(static_cast<size_t>(col.repeat));
        if (col.variable && col.bound && static_cast<long>(s.size()) > col.bound) s.resize(static_cast<size_t>(col.bound));
        col.max_length = std::max(col.max_length, static_cast<long>(s.size()));
        char* p = s.data();
        fits_write_col_str(f, n, row, 1, 1, &p, &status);
        check(status, "writing a string cell");
    }

    void write_array(const column& col, int n, long long row, const cell& c) {
        fitsfile* f = file_.get();
        int status = 0;
        const long count = c.null ? 0 : static_cast<long>(c.count);
        if (count == 0) {
            // An empty descriptor: write zero elements.
            fits_write_descript(f, n, row, 0, 0, &status);
        } else if (col.cfitsio_type == TBIT) {
            std::vector<char> bits(static_cast<const char*>(c.data), static_cast<const char*>(c.data) + count);
            fits_write_col_bit(f, n, row, 1, count, bits.data(), &status);
        } else if (col.cfitsio_type == TLOGICAL) {
            std::vector<char> l(static_cast<size_t>(count));
            for (long k = 0; k < count; ++k) {
                l[static_cast<size_t>(k)] = cfitsio_logical(static_cast<const char*>(c.data)[k]);
            }
            char nul = 2;
            fits_write_colnull(f, TLOGICAL, n, row, 1, count, l.data(), &nul, &status);
        } else {
            fits_write_col(f, col.cfitsio_type, n, row, 1, count, const_cast<void*>(c.data), &status);
        }
        check(status, "writing an array cell");
    }

    void buffer_fixed(column& col, const cell& c) {
        const long r = col.repeat;
        const size_t base = static_cast<size_t>(block_) * static_cast<size_t>(r);
        auto fill = [&](auto& vec, auto null_v, auto get) {
            vec.resize(base + static_cast<size_t>(r));
            for (long k = 0; k < r; ++k)
                vec[base + static_cast<size_t>(k)] = c.null || (!col.shape.scalar() && static_cast<size_t>(k) >= c.count)
                                                         ? null_v
                                                         : get(k);
        };
        const bool arr = !col.shape.scalar();
        const double nan = std::numeric_limits<double>::quiet_NaN();
        switch (col.cfitsio_type) {
        case TBYTE: fill(col.bytes, static_cast<unsigned char>(col.null), [&](long k) { return arr ? static_cast<const unsigned char*>(c.data)[k] : static_cast<unsigned char>(c.i); }); break;
        case TSHORT: fill(col.shorts, static_cast<short>(col.null), [&](long k) { return arr ? static_cast<const std::int16_t*>(c.data)[k] : static_cast<short>(c.i); }); break;
        case TINT: fill(col.ints, static_cast<int>(col.null), [&](long k) { return arr ? static_cast<const std::int32_t*>(c.data)[k] : static_cast<int>(c.i); }); break;
        case TLONGLONG: fill(col.longs, static_cast<long long>(col.null), [&](long k) { return arr ? static_cast<long long>(static_cast<const std::int64_t*>(c.data)[k]) : static_cast<long long>(c.i); }); break;
        case TFLOAT: fill(col.floats, static_cast<float>(nan), [&](long k) { return arr ? static_cast<const float*>(c.data)[k] : static_cast<float>(c.d); }); break;
        case TDOUBLE: fill(col.doubles, nan, [&](long k) { return arr ? static_cast<const double*>(c.data)[k] : c.d; }); break;
        case TCOMPLEX: {
            col.floats.resize(2 * (base + static_cast<size_t>(r)));
            for (long k = 0; k < r; ++k) {
                const bool none = c.null || (arr && static_cast<size_t>(k) >= c.count);
                const size_t o = 2 * (base + static_cast<size_t>(k));
                col.floats[o] = none ? static_cast<float>(nan) : arr ? static_cast<const float*>(c.data)[2 * k] : static_cast<float>(c.d);
                col.floats[o + 1] = none ? static_cast<float>(nan) : arr ? static_cast<const float*>(c.data)[2 * k + 1] : static_cast<float>(c.im);
            }
            break;
        }
        case TDBLCOMPLEX: {
            col.doubles.resize(2 * (base + static_cast<size_t>(r)));
            for (long k = 0; k < r; ++k) {
                const bool none = c.null || (arr && static_cast<size_t>(k) >= c.count);
                const size_t o = 2 * (base + static_cast<size_t>(k));
                col.doubles[o] = none ? nan : arr ? static_cast<const double*>(c.data)[2 * k] : c.d;
                col.doubles[o + 1] = none ? nan : arr ? static_cast<const double*>(c.data)[2 * k + 1] : c.im;
            }
            break;
        }
        case TLOGICAL: {
            // CFITSIO logicals: 1 true, 0 false; 2 marks null (written as FITS's 0 byte).
            col.logicals.resize(base + static_cast<size_t>(r));
            for (long k = 0; k < r; ++k) {
                char v = 2;
                if (!c.null) {
                    if (!arr) v = c.i ? 1 : 0;
                    else if (static_cast<size_t>(k) < c.count) v = cfitsio_logical(static_cast<const char*>(c.data)[k]);
                }
                col.logicals[base + static_cast<size_t>(k)] = v;
            }
            break;
        }
        case TBIT: {
            col.logicals.resize(base + static_cast<size_t>(r));
            for (long k = 0; k < r; ++k)
                col.logicals[base + static_cast<size_t>(k)] = static_cast<char>(
                    !c.null && (arr ? static_cast<size_t>(k) < c.count && static_cast<const unsigned char*>(c.data)[k] : c.i != 0));
            break;
        }
        default: break;
        }
    }

    void flush_block() {
        if (block_ == 0) return;
        fitsfile* f = file_.get();
        int status = 0;
        const long long first = static_cast<long long>(rows_) - block_ + 1;
        for (size_t i = 0; i < cols_.size(); ++i) {
            column& c = cols_[i];
            if (c.text || c.variable) continue;
            const int n = static_cast<int>(i) + 1;
            const long long count = block_ * c.repeat;
            switch (c.cfitsio_type) {
            case TBYTE: fits_write_col(f, TBYTE, n, first, 1, count, c.bytes.data(), &status); break;
            case TSHORT: fits_write_col(f, TSHORT, n, first, 1, count, c.shorts.data(), &status); break;
            case TINT: fits_write_col(f, TINT, n, first, 1, count, c.ints.data(), &status); break;
            case TLONGLONG: fits_write_col(f, TLONGLONG, n, first, 1, count, c.longs.data(), &status); break;
            case TFLOAT: fits_write_col(f, TFLOAT, n, first, 1, count, c.floats.data(), &status); break;
            case TDOUBLE: fits_write_col(f, TDOUBLE, n, first, 1, count, c.doubles.data(), &status); break;
            case TCOMPLEX: fits_write_col(f, TCOMPLEX, n, first, 1, count, c.floats.data(), &status); break;
            case TDBLCOMPLEX: fits_write_col(f, TDBLCOMPLEX, n, first, 1, count, c.doubles.data(), &status); break;
            case TLOGICAL: {
                char nul = 2;
                fits_write_colnull(f, TLOGICAL, n, first, 1, count, c.logicals.data(), &nul, &status);
                break;
            }
            case TBIT:
                for (long b = 0; b < block_; ++b)
                    fits_write_col_bit(f, n, first + b, 1, c.repeat, c.logicals.data() + b * c.repeat, &status);
                break;
            default: break;
            }
            check(status, "writing a block of rows");
            c.bytes.clear();
            c.shorts.clear();
            c.ints.clear();
            c.longs.clear();
            c.floats.clear();
            c.doubles.clear();
            c.logicals.clear();
        }
        block_ = 0;
    }

    void close(const char* status_word, std::string_view message) {
        if (!spool_ || closed_) {
            if (std::string_view(status_word) == "ERROR") return;  // nothing was begun, or already ended
            throw error(closed_ ? "table_writer::finish called twice" : "table_writer::finish called before begin");
        }
        closed_ = true;
        create_table(fields_);
        spool_->replay([this](std::span<const cell> cells) { write_row(cells); });
        flush_block();
        int status = 0;
        fitsfile* f = file_.get();
        for (size_t i = 0; i < cols_.size(); ++i) {
            const auto& c = cols_[i];
            const int n = static_cast<int>(i) + 1;
            auto key = [&](const char* base, const std::string& value, const char* comment) {
                if (value.empty()) return;
                const std::string k = fmt::format("{}{}", base, n);
                fits_write_key_longstr(f, k.c_str(), value.c_str(), comment, &status);
            };
            key("TUCD", c.ucd, "UCD of the column");
            key("TCOMM", c.description, "");
            key("TUTYP", c.utype, "");
            key("TXTYP", c.xtype, "DALI xtype");
        }
        check(status, "writing column keywords");
        fits_write_key(f, TSTRING, "QSTATUS", const_cast<char*>(status_word), "DALI QUERY_STATUS of the result", &status);
        if (!message.empty()) {
            std::string m(message);
            fits_write_key_longstr(f, "QERRMSG", m.c_str(), "error after the rows above", &status);
        }
        check(status, "writing the status keywords");
        detail::close_file(file_);
    }

    std::string path_;
    detail::file_ptr file_;
    std::vector<column> cols_;
    std::vector<field> fields_;
    std::vector<long> max_text_;
    std::unique_ptr<votable::row_spool> spool_;
    bool closed_ = false;
    long block_ = 0;
    std::uint64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<votable::table_writer> make_fits_writer(const std::string& path) {
    return std::make_unique<fits_writer>(path);
}

namespace {

// The sink form: the FITS file is built in a private temporary file (CFITSIO fixes the header
// at the end) and copied to the sink once finished.
class fits_sink_writer final : public votable::table_writer {
public:
    // The file lives in a private directory (mkdtemp, mode 0700): CFITSIO creates it by name,
    // which in a shared $TMPDIR would race with whoever else can write there.
    explicit fits_sink_writer(sink& out) : out_(out) {
        const char* dir = std::getenv("TMPDIR");
        std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/dax-fits-XXXXXX";
        if (!::mkdtemp(tmpl.data())) throw error(error_kind::internal, "FITS: cannot create a temporary directory");
        dir_ = tmpl;
        path_ = dir_ + "/result.fits";
        inner_ = std::make_unique<fits_writer>(path_);
    }
    ~fits_sink_writer() override {
        std::remove(path_.c_str());
        ::rmdir(dir_.c_str());
    }
    void begin(std::span<const field> fields) override { inner_->begin(fields); }
    void row(std::span<const cell> cells) override { inner_->row(cells); }
    void finish(bool overflow) override {
        inner_->finish(overflow);
        copy_out();
    }
    void abort(std::string_view message) override {
        inner_->abort(message);
        copy_out();
    }
    std::uint64_t rows() const override { return inner_->rows(); }

private:
    void copy_out() {
        if (copied_) return;  // finish then abort: the document went out once
        copied_ = true;
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(path_.c_str(), "rb"), std::fclose);
        if (!in) return;  // nothing was begun: no file
        char buf[1 << 16];
        while (const std::size_t n = std::fread(buf, 1, sizeof buf, in.get())) out_.write(buf, n);
        out_.flush();
    }
    sink& out_;
    std::string dir_, path_;
    std::unique_ptr<fits_writer> inner_;
    bool copied_ = false;
};

}  // namespace

std::unique_ptr<votable::table_writer> make_fits_writer(sink& out) { return std::make_unique<fits_sink_writer>(out); }

}  // namespace dax::fits
