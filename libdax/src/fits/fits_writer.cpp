// FITS binary tables through CFITSIO (FITS 4.0 section 7.3). The fitsfile handle lives in an
// RAII owner; every CFITSIO status becomes a dax::error naming the call.
#include <dax/fits/fits_writer.hpp>

#include "../votable/binary_decoder.hpp"
#include "../votable/cell_codec.hpp"

#include <fitsio.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>

namespace dax::fits {

namespace {

using votable::cell;
using votable::datatype;
using votable::field;

void check(int status, const char* what) {
    if (status == 0) return;
    char text[FLEN_STATUS];
    fits_get_errstatus(status, text);
    throw error(fmt::format("FITS: {} failed: {}", what, text));
}

struct file_closer {
    void operator()(fitsfile* f) const {
        int status = 0;
        fits_close_file(f, &status);
    }
};

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
        plans_.clear();
        for (const auto& f : fields_) plans_.push_back(votable::detail::plan_for(f));
        max_text_.assign(fields_.size(), 0);
        spool_.reset(std::tmpfile());
        if (!spool_) throw error("FITS: cannot create a temporary spool file");
    }

    void row(std::span<const cell> cells) override {
        if (!spool_) throw error("table_writer::row called before begin");
        if (cells.size() != plans_.size())
            throw error(fmt::format("a row has {} cells for {} columns", cells.size(), plans_.size()));
        row_.assign((cells.size() + 7) / 8, '\0');
        for (size_t i = 0; i < cells.size(); ++i) {
            if (cells[i].null) row_[i / 8] = static_cast<char>(row_[i / 8] | (0x80 >> (i % 8)));
            votable::detail::binary_cell(row_, plans_[i], cells[i]);
            if (plans_[i].text && !cells[i].null) max_text_[i] = std::max(max_text_[i], static_cast<long>(cells[i].s.size()));
        }
        if (std::fwrite(row_.data(), 1, row_.size(), spool_.get()) != row_.size())
            throw error("FITS: cannot write the temporary spool file");
        ++spooled_;
    }

    void finish(bool overflow) override { close(overflow ? "OVERFLOW" : "OK", ""); }
    void abort(std::string_view message) override { close("ERROR", message); }
    std::uint64_t rows() const override { return spooled_; }

private:
    struct spool_closer {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };

    void create_table(std::span<const field> fields) {
        int status = 0;
        fitsfile* f = nullptr;
        const std::string name = "!" + path_;  // '!' replaces an existing file
        fits_create_file(&f, name.c_str(), &status);
        check(status, "creating the file");
        file_.reset(f);
        fits_create_img(f, BYTE_IMG, 0, nullptr, &status);
        check(status, "writing the primary HDU");
        std::vector<std::string> ttype, tform, tunit;
        for (const auto& fd : fields) {
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
            std::string form;
            if (c.text) {
                // One fixed width per column: the longest value written (strings are ASCII).
                if (c.variable || c.type == datatype::unicode_char) {
                    long w = std::max(1L, max_text_[cols_.size()]);
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
            ttype.push_back(fd.name);
            tform.push_back(form);
            tunit.push_back(fd.unit);
            cols_.push_back(std::move(c));
        }
        std::vector<char*> tt, tf, tu;
        for (size_t i = 0; i < fields.size(); ++i) {
            tt.push_back(ttype[i].data());
            tf.push_back(tform[i].data());
            tu.push_back(tunit[i].data());
        }
        fits_create_tbl(f, BINARY_TBL, 0, static_cast<int>(fields.size()), tt.data(), tf.data(), tu.data(), "RESULTS", &status);
        check(status, "creating the binary table");
        for (size_t i = 0; i < fields.size(); ++i) {
            const auto& fd = fields[i];
            const auto& c = cols_[i];
            const int n = static_cast<int>(i) + 1;
            (void)fd;
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
        fitsfile* f = file_.get();
        int status = 0;
        const long long row = static_cast<long long>(rows_) + 1;
        const int n = static_cast<int>(i) + 1;
        if (col.text) {
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
            return;
        }
        if (col.variable) {
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
                    const char v = static_cast<const char*>(c.data)[k];
                    l[static_cast<size_t>(k)] = v == 'T' || v == 't' || v == '1' ? 1 : v == 'F' || v == 'f' || v == '0' ? 0 : 2;
                }
                char nul = 2;
                fits_write_colnull(f, TLOGICAL, n, row, 1, count, l.data(), &nul, &status);
            } else {
                fits_write_col(f, col.cfitsio_type, n, row, 1, count, const_cast<void*>(c.data), &status);
            }
            check(status, "writing an array cell");
            return;
        }
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
                    else if (static_cast<size_t>(k) < c.count) {
                        const char x = static_cast<const char*>(c.data)[k];
                        v = x == 'T' || x == 't' || x == '1' ? 1 : x == 'F' || x == 'f' || x == '0' ? 0 : 2;
                    }
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
        if (!spool_) {
            if (std::string_view(status_word) == "ERROR") return;  // nothing was begun
            throw error("table_writer::finish called before begin");
        }
        create_table(fields_);
        replay_spool();
        spool_.reset();
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
        fits_close_file(file_.release(), &status);  // CFITSIO fixes NAXIS2 and PCOUNT here
        check(status, "closing the file");
    }

    // Decodes the spooled rows and writes them into the FITS table, block by block.
    void replay_spool() {
        std::FILE* sp = spool_.get();
        if (std::fflush(sp) != 0 || std::fseek(sp, 0, SEEK_SET) != 0) throw error("FITS: cannot read back the spool file");
        std::vector<unsigned char> buf;
        size_t start = 0;
        std::vector<cell> cells;
        votable::detail::cell_storage store;
        std::uint64_t done = 0;
        unsigned char chunk[1 << 16];
        bool eof = false;
        while (done < spooled_) {
            const unsigned char* p = buf.data() + start;
            const unsigned char* next =
                votable::detail::decode_binary_row(p, buf.data() + buf.size(), plans_, true, cells, store, SIZE_MAX);
            if (!next) {
                if (eof) throw error("FITS: the spool file ends inside a row");
                buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(start));
                start = 0;
                const size_t n = std::fread(chunk, 1, sizeof chunk, sp);
                if (n == 0) eof = true;
                buf.insert(buf.end(), chunk, chunk + n);
                continue;
            }
            start = static_cast<size_t>(next - buf.data());
            write_row(cells);
            ++done;
        }
    }

    std::string path_;
    std::unique_ptr<fitsfile, file_closer> file_;
    std::vector<column> cols_;
    std::vector<field> fields_;
    std::vector<votable::detail::field_plan> plans_;
    std::vector<long> max_text_;
    std::unique_ptr<std::FILE, spool_closer> spool_;
    std::string row_;
    std::uint64_t spooled_ = 0;
    long block_ = 0;
    std::uint64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<votable::table_writer> make_fits_writer(const std::string& path) {
    return std::make_unique<fits_writer>(path);
}

}  // namespace dax::fits
