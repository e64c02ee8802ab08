// dax.votable: read a VOTable into numpy columns, write numpy columns as VOTable (BINARY2,
// BINARY, TABLEDATA), CSV, TSV or FITS. The C++ row loops run without the GIL; a path is read
// through mmap (never copied), and written through a file descriptor.
#include "bindings.hpp"

#include <dax/fits/fits_writer.hpp>
#include <dax/utf8.hpp>
#include <dax/votable/reader.hpp>
#include <dax/votable/writer.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace py = pybind11;
using dax::votable::datatype;

namespace dax::python {
namespace {

// Asks for transparent huge pages on the 2 MiB-aligned part of [p, p + n): reading a large table
// touches every page of its buffers once, and 4 KiB pages made page faults a quarter of the time.
void advise_huge_pages(const void* p, std::size_t n) {
    constexpr std::uintptr_t huge = std::uintptr_t(2) << 20;
    const auto a = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
    const auto e = (reinterpret_cast<std::uintptr_t>(p) + n) & ~(huge - 1);
    if (e > a) ::madvise(reinterpret_cast<void*>(a), e - a, MADV_HUGEPAGE);
}

// A file read into memory for the reader (which takes the document as one string_view). Not a
// mapping of the file: one truncated by another process meanwhile would end the interpreter
// with SIGBUS. Read straight into anonymous memory (huge pages where the kernel gives them).
struct mapped_file {
    char* data = nullptr;
    std::size_t size = 0, capacity = 0;
    explicit mapped_file(const std::string& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw py::value_error("cannot open " + path + ": " + std::strerror(errno));
        struct closer {
            int fd;
            ~closer() { ::close(fd); }
        } c{fd};
        struct stat st{};
        if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) throw py::value_error(path + " is a directory");
        grow(std::max<std::size_t>(st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1 : 0, 1 << 16));
        for (;;) {
            if (size == capacity) grow(capacity * 2);  // the file grew meanwhile
            const ssize_t n = ::read(fd, data + size, std::min<std::size_t>(capacity - size, std::size_t(1) << 30));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw py::value_error("cannot read " + path + ": " + std::strerror(errno));
            if (n == 0) break;
            size += static_cast<std::size_t>(n);
        }
    }
    ~mapped_file() {
        if (data) ::munmap(data, capacity);
    }
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    void grow(std::size_t n) {
        void* p = ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        advise_huge_pages(p, n);
        if (data) {
            std::memcpy(p, data, size);
            ::munmap(data, capacity);
        }
        data = static_cast<char*>(p), capacity = n;
    }
    std::string_view view() const { return {data, size}; }
};

// One column being read: values of its numpy type, or strings, or per-row arrays; nulls.
struct column_builder {
    votable::field f;
    bool text = false, array = false;
    std::vector<unsigned char> bytes;   // scalars: elements of `size` bytes
    int size = 0;
    std::string chars;                  // char / unicodeChar: every row's UTF-8, one after another
    std::vector<std::size_t> ends;      // where each row's text ends in `chars`
    std::vector<std::vector<unsigned char>> arrays;  // other arrays: each row's elements
    std::vector<std::size_t> counts;
    std::vector<std::uint8_t> null;
    bool any_null = false;

    explicit column_builder(const votable::field& fld) : f(fld) {
        text = f.type == datatype::char_ || f.type == datatype::unicode_char;
        array = !text && !f.arraysize.empty() && f.arraysize != "1";
        size = std::max(1, votable::element_size(f.type));  // a bit is held as one byte
    }
    template <class T>
    void put(T v) {
        const auto* p = reinterpret_cast<const unsigned char*>(&v);
        bytes.insert(bytes.end(), p, p + sizeof(T));  // amortised growth, no zero-filling
    }
    void add(const votable::cell& c) {
        // A NaN float is a null (VOTable 1.4 section 6: NaN is the floats' null value), as astropy
        // reads it: the column is masked there.
        const bool is_null = c.null || ((f.type == datatype::float_ || f.type == datatype::double_) && !array && !text && std::isnan(c.d));
        null.push_back(is_null);
        any_null = any_null || is_null;
        if (text) {
            if (!c.null) chars.append(c.s);
            ends.push_back(chars.size());
            return;
        }
        if (array) {
            const std::size_t n = c.null ? 0 : c.count;
            const std::size_t each = static_cast<std::size_t>(size);
            auto* p = static_cast<const unsigned char*>(c.data);
            arrays.emplace_back(p ? p : nullptr, p ? p + n * each : nullptr);
            if (f.type == datatype::boolean)  // 'T' / 'F' / '?' as 1 / 0 / 0
                for (auto& b : arrays.back()) b = b == 'T' || b == 't' || b == '1';
            counts.push_back(n);
            return;
        }
        switch (f.type) {
        case datatype::boolean: case datatype::bit: put<std::uint8_t>(c.null ? 0 : c.i != 0); break;
        case datatype::unsigned_byte: put<std::uint8_t>(static_cast<std::uint8_t>(c.i)); break;
        case datatype::short_: put<std::int16_t>(static_cast<std::int16_t>(c.i)); break;
        case datatype::int_: put<std::int32_t>(static_cast<std::int32_t>(c.i)); break;
        case datatype::long_: put<std::int64_t>(c.i); break;
        case datatype::float_: put<float>(c.null ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(c.d)); break;
        case datatype::double_: put<double>(c.null ? std::numeric_limits<double>::quiet_NaN() : c.d); break;
        case datatype::float_complex: put<std::complex<float>>({static_cast<float>(c.d), static_cast<float>(c.im)}); break;
        case datatype::double_complex: put<std::complex<double>>({c.d, c.im}); break;
        default: put<std::uint8_t>(0);
        }
    }
    py::dtype dtype() const {
        switch (f.type) {
        case datatype::boolean: case datatype::bit: return py::dtype::of<bool>();
        case datatype::unsigned_byte: return py::dtype::of<std::uint8_t>();
        case datatype::short_: return py::dtype::of<std::int16_t>();
        case datatype::int_: return py::dtype::of<std::int32_t>();
        case datatype::long_: return py::dtype::of<std::int64_t>();
        case datatype::float_: return py::dtype::of<float>();
        case datatype::double_: return py::dtype::of<double>();
        case datatype::float_complex: return py::dtype::of<std::complex<float>>();
        case datatype::double_complex: return py::dtype::of<std::complex<double>>();
        default: return py::dtype::of<std::uint8_t>();
        }
    }
    // The numpy array (under the GIL); scalars take the buffer over without a copy.
    py::object finish() {
        const auto rows = static_cast<py::ssize_t>(null.size());
        if (text) {
            // Code points per row (UTF-8 continuation bytes do not count), then UCS-4 in place.
            std::size_t width = 1, begin = 0;
            for (std::size_t end : ends) {
                std::size_t n = 0;
                for (std::size_t i = begin; i < end; ++i) n += (static_cast<unsigned char>(chars[i]) & 0xC0) != 0x80;
                width = std::max(width, n);
                begin = end;
            }
            py::array out(py::dtype("<U" + std::to_string(width)), std::vector<py::ssize_t>{rows});
            auto* p = static_cast<char32_t*>(out.mutable_data());
            begin = 0;
            for (std::size_t r = 0; r < ends.size(); ++r) {
                char32_t* row = p + r * width;
                const std::size_t n = decode(std::string_view(chars).substr(begin, ends[r] - begin), row);
                std::fill(row + n, row + width, U'\0');
                begin = ends[r];
            }
            return out;
        }
        if (array) {
            py::array out(py::dtype("O"), std::vector<py::ssize_t>{rows});
            auto* objs = static_cast<PyObject**>(out.mutable_data());
            const auto shape = votable::parse_arraysize(f.arraysize);
            for (std::size_t i = 0; i < arrays.size(); ++i) {
                std::vector<py::ssize_t> dims{static_cast<py::ssize_t>(counts[i])};
                if (!shape.variable && shape.dims.size() > 1 && static_cast<std::int64_t>(counts[i]) == shape.fixed_elements()) {
                    dims.assign(shape.dims.rbegin(), shape.dims.rend());  // VOTable's first axis varies fastest
                }
                py::array a(dtype(), dims);
                if (counts[i]) std::memcpy(a.mutable_data(), arrays[i].data(), arrays[i].size());
                Py_XDECREF(objs[i]);
                objs[i] = a.release().ptr();
            }
            return out;
        }
        auto* keep = new std::vector<unsigned char>(std::move(bytes));
        py::capsule owner(keep, [](void* p) { delete static_cast<std::vector<unsigned char>*>(p); });
        return py::array(dtype(), {rows}, {static_cast<py::ssize_t>(size)}, keep->data(), owner);
    }
    // UTF-8 to UCS-4 into `out` (room for every code point); returns how many were written.
    static std::size_t decode(std::string_view s, char32_t* out) {
        std::size_t w = 0;
        for (std::size_t i = 0; i < s.size();) {
            const unsigned char c = static_cast<unsigned char>(s[i]);
            if ((c & 0xC0) == 0x80) {  // a stray continuation byte: not a code point (as counted)
                ++i;
                continue;
            }
            char32_t cp;
            int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
            if (i + static_cast<std::size_t>(n) > s.size()) n = 1;
            cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
            for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
            out[w++] = cp;
            i += static_cast<std::size_t>(n);
        }
        return w;
    }
};

py::dict field_meta(const votable::field& f) {
    py::dict d;
    d["name"] = f.name;
    d["datatype"] = std::string(votable::datatype_name(f.type));
    d["arraysize"] = f.arraysize;
    d["unit"] = f.unit;
    d["ucd"] = f.ucd;
    d["utype"] = f.utype;
    d["xtype"] = f.xtype;
    d["description"] = f.description;
    return d;
}

// read(): (names, arrays, masks or None, field metadata, INFOs).
py::tuple read_columns(const py::object& source) {
    std::unique_ptr<mapped_file> file;
    std::string_view doc;
    py::buffer_info buf;
    if (py::isinstance<py::str>(source) || py::hasattr(source, "__fspath__")) {
        const std::string path = py::isinstance<py::str>(source) ? source.cast<std::string>() : source.attr("__fspath__")().cast<std::string>();
        file = std::make_unique<mapped_file>(path);
        doc = file->view();
    } else if (py::isinstance<py::buffer>(source)) {
        buf = py::reinterpret_borrow<py::buffer>(source).request();
        if (buf.ndim > 1 || (buf.ndim == 1 && buf.strides[0] != buf.itemsize))
            throw py::value_error("read: a contiguous bytes-like object (bytes, bytearray, a contiguous memoryview)");
        doc = std::string_view(static_cast<const char*>(buf.ptr), static_cast<std::size_t>(buf.size * buf.itemsize));
    } else {
        throw py::type_error("read: a path or bytes");
    }
    votable::reader_limits lim;  // a library call, not a server: the caller's memory is the limit
    lim.max_document_bytes = std::numeric_limits<std::size_t>::max();
    lim.max_rows = std::numeric_limits<std::uint64_t>::max();
    lim.max_cell_bytes = std::size_t(1) << 30;
    lim.max_fields = std::size_t(1) << 20;
    lim.max_attribute_bytes = std::size_t(16) << 20;
    if (doc.size() > std::size_t(2047) << 20)  // libxml2 takes the document's size as an int
        throw py::value_error("read: documents of 2 GiB or more are not supported");
    std::vector<column_builder> cols;
    std::string failure;
    std::vector<std::pair<std::string, std::string>> infos;
    {
        py::gil_scoped_release unlocked;
        auto r = votable::open_reader(doc, lim);
        if (!r) {
            failure = r.err().what();
        } else {
            auto& rd = **r;
            for (const auto& f : rd.fields()) cols.emplace_back(f);
            // Room for as many rows as the document could hold at 8 bytes a row: address space
            // only (pages are touched as rows arrive), so the columns grow without copies.
            // (at least 4 bytes a cell in any serialization: the reservation stays near the
            // document's size whatever the column count)
            const std::size_t rows_hint = std::min<std::size_t>(doc.size() / (4 * std::max<std::size_t>(1, cols.size())) + 16,
                                                                std::size_t(1) << 31);
            for (auto& c : cols) {
                if (!c.text && !c.array) {
                    c.bytes.reserve(rows_hint * static_cast<std::size_t>(c.size));
                    advise_huge_pages(c.bytes.data(), c.bytes.capacity());
                }
                c.null.reserve(rows_hint);
                advise_huge_pages(c.null.data(), c.null.capacity());
                if (c.text) {  // text is at most the document's size (address space again)
                    c.ends.reserve(rows_hint);
                    c.chars.reserve(std::min<std::size_t>(doc.size(), std::size_t(1) << 30));
                    advise_huge_pages(c.chars.data(), c.chars.capacity());
                    advise_huge_pages(c.ends.data(), c.ends.capacity() * sizeof(std::size_t));
                }
            }
            try {
                while (rd.next()) {
                    const auto row = rd.row();
                    for (std::size_t i = 0; i < cols.size(); ++i) cols[i].add(row[i]);
                }
            } catch (const dax::error& e) {
                failure = e.what();
            }
            infos = rd.infos();
        }
    }
    if (!failure.empty()) throw py::value_error(failure);
    py::list names, arrays, masks, meta;
    for (auto& c : cols) {
        names.append(c.f.name);
        meta.append(field_meta(c.f));
        arrays.append(c.finish());
        if (c.any_null) {
            py::array_t<bool> m(static_cast<py::ssize_t>(c.null.size()));
            auto* p = m.mutable_data();
            for (std::size_t i = 0; i < c.null.size(); ++i) p[i] = c.null[i];
            masks.append(m);
        } else {
            masks.append(py::none());
        }
    }
    py::list info;
    for (const auto& [k, v] : infos) info.append(py::make_tuple(k, v));
    return py::make_tuple(names, arrays, masks, meta, info);
}

// ---- writing ---------------------------------------------------------------------------------

// Bytes to a Python file-like object (its write()), in 1 MiB pieces, taking the GIL to call it.
class python_sink final : public dax::sink {
public:
    explicit python_sink(py::object target) : target_(std::move(target)) {}
    void write(const char* data, std::size_t size) override {
        buf_.append(data, size);
        if (buf_.size() >= (1u << 20)) flush();
    }
    void flush() override {
        if (buf_.empty() || failed_) return;
        py::gil_scoped_acquire locked;
        try {
            py::object n = target_.attr("write")(py::bytes(buf_));
            if (!n.is_none() && n.cast<std::size_t>() < buf_.size()) throw std::runtime_error("the file object wrote fewer bytes than given");
        } catch (py::error_already_set& e) {
            failed_ = true;
            error_ = std::make_unique<py::error_already_set>(std::move(e));  // raised again by write()
            throw std::runtime_error("write() of the file object failed");
        }
        buf_.clear();
    }
    ~python_sink() override {
        try {
            flush();
        } catch (...) {
        }
    }
    std::unique_ptr<py::error_already_set> error_;  ///< what the file object's write() raised

private:
    py::object target_;
    std::string buf_;
    bool failed_ = false;
};

// One column to write: its field and how to read row i from the numpy buffer.
struct column_source {
    votable::field f;
    py::array data;              // kept alive
    const char* base = nullptr;
    py::ssize_t stride = 0, per_row = 1;  // elements per row (fixed arrays)
    char kind = 'f';
    int itemsize = 8;
    std::vector<std::string> text;   // strings, decoded to UTF-8 before the loop
    const bool* mask = nullptr;
    py::array mask_array;
};

datatype type_of(char kind, int size) {
    switch (kind) {
    case 'b': return datatype::boolean;
    case 'f': return size == 4 ? datatype::float_ : datatype::double_;
    case 'c': return size == 8 ? datatype::float_complex : datatype::double_complex;
    case 'u': if (size == 1) return datatype::unsigned_byte; return size == 2 ? datatype::int_ : datatype::long_;
    case 'i': return size == 1 || size == 2 ? datatype::short_ : size == 4 ? datatype::int_ : datatype::long_;
    default: return datatype::char_;
    }
}

std::string utf8_of(const char32_t* p, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n && p[i]; ++i) {
        char32_t c = p[i];
        if (c < 0x80) out += static_cast<char>(c);
        else if (c < 0x800) out += static_cast<char>(0xC0 | (c >> 6)), out += static_cast<char>(0x80 | (c & 0x3F));
        else if (c < 0x10000)
            out += static_cast<char>(0xE0 | (c >> 12)), out += static_cast<char>(0x80 | ((c >> 6) & 0x3F)), out += static_cast<char>(0x80 | (c & 0x3F));
        else
            out += static_cast<char>(0xF0 | (c >> 18)), out += static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
                out += static_cast<char>(0x80 | ((c >> 6) & 0x3F)), out += static_cast<char>(0x80 | (c & 0x3F));
    }
    return out;
}

std::int64_t write_columns(const std::vector<std::string>& names, const std::vector<py::array>& arrays, const std::vector<py::object>& masks,
                           const std::vector<py::dict>& meta, const py::object& target, const std::string& format) {
    if (names.size() != arrays.size() || names.size() != masks.size() || names.size() != meta.size())
        throw py::value_error("write: names, arrays, masks and metadata differ in length");
    std::vector<column_source> cols(names.size());
    py::ssize_t rows = -1;
    for (std::size_t k = 0; k < names.size(); ++k) {
        auto& c = cols[k];
        c.data = arrays[k];
        const auto& a = c.data;
        if (a.ndim() < 1) throw py::value_error("write: column " + names[k] + " is not an array");
        if (rows < 0) rows = a.shape(0);
        if (a.shape(0) != rows) throw py::value_error("write: column " + names[k] + " has " + std::to_string(a.shape(0)) + " rows, not " + std::to_string(rows));
        c.kind = a.dtype().kind();
        c.itemsize = static_cast<int>(a.itemsize());
        c.f.name = names[k];
        auto get = [&](const char* key) { return meta[k].contains(key) && !meta[k][key].is_none() ? py::str(meta[k][key]).cast<std::string>() : std::string(); };
        c.f.unit = get("unit"), c.f.ucd = get("ucd"), c.f.description = get("description"), c.f.xtype = get("xtype"), c.f.utype = get("utype");
        if (!masks[k].is_none()) {
            c.mask_array = py::array_t<bool, py::array::c_style | py::array::forcecast>(masks[k]);
            if (c.mask_array.size() != rows) throw py::value_error("write: the mask of " + names[k] + " has the wrong length");
            c.mask = static_cast<const bool*>(c.mask_array.data());
        }
        if (c.kind == 'U' || c.kind == 'S' || c.kind == 'O') {
            c.f.type = datatype::char_;
            c.f.arraysize = "*";
            c.text.resize(static_cast<std::size_t>(rows));
            bool ascii = true;
            for (py::ssize_t i = 0; i < rows; ++i) {
                std::string s;
                if (c.kind == 'U') {
                    s = utf8_of(reinterpret_cast<const char32_t*>(static_cast<const char*>(a.data()) + i * a.strides(0)), static_cast<std::size_t>(a.itemsize() / 4));
                } else if (c.kind == 'S') {
                    const char* p = static_cast<const char*>(a.data()) + i * a.strides(0);
                    s.assign(p, strnlen(p, static_cast<std::size_t>(a.itemsize())));
                } else {
                    py::handle h(*reinterpret_cast<PyObject* const*>(static_cast<const char*>(a.data()) + i * a.strides(0)));
                    if (h.is_none()) {
                        if (!c.mask) {
                            c.mask_array = py::array_t<bool>(rows);
                            std::memset(c.mask_array.mutable_data(), 0, static_cast<std::size_t>(rows));
                            c.mask = static_cast<const bool*>(c.mask_array.data());
                        }
                        static_cast<bool*>(c.mask_array.mutable_data())[i] = true;
                        continue;
                    }
                    if (!py::isinstance<py::str>(h)) throw py::type_error("write: column " + names[k] + " holds objects that are not strings");
                    s = h.cast<std::string>();
                }
                for (unsigned char ch : s) ascii = ascii && ch < 0x80;
                c.text[static_cast<std::size_t>(i)] = std::move(s);
            }
            if (!ascii) c.f.type = datatype::unicode_char;
            continue;
        }
        if (std::string("biufc").find(c.kind) == std::string::npos) throw py::type_error("write: column " + names[k] + " has an unsupported dtype");
        if (c.kind == 'u' && c.itemsize == 8) throw py::type_error("write: column " + names[k] + ": uint64 does not fit a VOTable type");
        c.f.type = type_of(c.kind, c.itemsize);
        c.base = static_cast<const char*>(a.data());
        c.stride = a.strides(0);
        if (a.ndim() > 1) {  // a fixed-size array per row: contiguous rows, VOTable axes reversed
            if (!(a.flags() & py::array::c_style)) throw py::value_error("write: array column " + names[k] + " must be C-contiguous");
            std::string dims;
            for (py::ssize_t d = a.ndim() - 1; d >= 1; --d) {
                dims += (dims.empty() ? "" : "x") + std::to_string(a.shape(d));
                c.per_row *= a.shape(d);
            }
            c.f.arraysize = dims;
            // Array elements are written as they lie in memory: only types VOTable has as such.
            if (c.kind == 'b' || (c.kind == 'i' && c.itemsize == 1) || (c.kind == 'u' && c.itemsize > 1))
                throw py::type_error("write: array column " + names[k] + ": use float, int16/32/64, uint8 or complex elements");
        }
    }
    if (rows < 0) rows = 0;
    // The writer.
    std::unique_ptr<dax::sink> sink;
    python_sink* py_sink = nullptr;
    std::unique_ptr<votable::table_writer> w;
    int fd = -1;
    const bool to_path = py::isinstance<py::str>(target) || py::hasattr(target, "__fspath__");
    const std::string path = to_path ? (py::isinstance<py::str>(target) ? target.cast<std::string>() : target.attr("__fspath__")().cast<std::string>()) : "";
    if (!to_path && !py::hasattr(target, "write")) throw py::type_error("write: a path or a binary file-like object");
    {
        if (to_path) {
            fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0) throw py::value_error("cannot write " + path + ": " + std::strerror(errno));
            sink = std::make_unique<dax::fd_sink>(fd);
        } else {
            auto s = std::make_unique<python_sink>(target);
            py_sink = s.get();
            sink = std::move(s);
        }
        if (format == "votable" || format == "votable/b2") w = votable::make_votable_writer(*sink, votable::serialization::binary2);
        else if (format == "votable/b") w = votable::make_votable_writer(*sink, votable::serialization::binary);
        else if (format == "votable/td") w = votable::make_votable_writer(*sink, votable::serialization::tabledata);
        else if (format == "csv") w = votable::make_csv_writer(*sink, ',');
        else if (format == "tsv") w = votable::make_csv_writer(*sink, '\t');
        else if (format == "fits") w = fits::make_fits_writer(*sink);
        else {
            if (fd >= 0) ::close(fd);
            throw py::value_error("format: votable (votable/b2), votable/b, votable/td, csv, tsv or fits, not '" + format + "'");
        }
    }
    std::vector<votable::field> fields;
    for (const auto& c : cols) fields.push_back(c.f);
    std::string failure;
    {
        py::gil_scoped_release unlocked;
        try {
            w->begin(fields);
            std::vector<votable::cell> row(cols.size());
            for (py::ssize_t i = 0; i < rows; ++i) {
                for (std::size_t k = 0; k < cols.size(); ++k) {
                    const auto& c = cols[k];
                    auto& cell = row[k];
                    if (c.mask && c.mask[i]) {
                        cell = votable::cell::none();
                        continue;
                    }
                    if (!c.text.empty()) {
                        cell = votable::cell::text(c.text[static_cast<std::size_t>(i)]);
                        continue;
                    }
                    const char* p = c.base + i * c.stride;
                    if (c.per_row > 1 || !c.f.arraysize.empty()) {
                        cell = votable::cell{};
                        cell.data = p;
                        cell.count = static_cast<std::size_t>(c.per_row);
                        continue;
                    }
                    switch (c.kind) {
                    case 'b': cell = votable::cell::boolean(*reinterpret_cast<const bool*>(p)); break;
                    case 'f': cell = votable::cell::real(c.itemsize == 4 ? *reinterpret_cast<const float*>(p) : c.itemsize == 8 ? *reinterpret_cast<const double*>(p) : 0.0); break;
                    case 'c':
                        if (c.itemsize == 8) cell = votable::cell::complex(reinterpret_cast<const float*>(p)[0], reinterpret_cast<const float*>(p)[1]);
                        else cell = votable::cell::complex(reinterpret_cast<const double*>(p)[0], reinterpret_cast<const double*>(p)[1]);
                        break;
                    case 'u':
                        cell = votable::cell::integer(c.itemsize == 1 ? *reinterpret_cast<const std::uint8_t*>(p) : c.itemsize == 2 ? *reinterpret_cast<const std::uint16_t*>(p)
                                                                                                               : *reinterpret_cast<const std::uint32_t*>(p));
                        break;
                    default:
                        cell = votable::cell::integer(c.itemsize == 1 ? *reinterpret_cast<const std::int8_t*>(p) : c.itemsize == 2 ? *reinterpret_cast<const std::int16_t*>(p)
                                                      : c.itemsize == 4 ? *reinterpret_cast<const std::int32_t*>(p) : *reinterpret_cast<const std::int64_t*>(p));
                    }
                }
                w->row(row);
            }
            w->finish();
            if (sink) sink->flush();
        } catch (const dax::error& e) {
            failure = e.what();
        } catch (const std::exception& e) {
            failure = e.what();
        }
    }
    std::int64_t n = static_cast<std::int64_t>(w->rows());
    w.reset();
    std::unique_ptr<py::error_already_set> raised = py_sink ? std::move(py_sink->error_) : nullptr;
    sink.reset();
    if (raised) {
        if (fd >= 0) ::close(fd);
        raised->restore();  // the file object's own exception, as it raised it
        throw py::error_already_set();
    }
    if (fd >= 0) ::close(fd);
    if (PyErr_Occurred()) throw py::error_already_set();
    if (!failure.empty()) throw py::value_error(failure);
    return n;
}

}  // namespace

void bind_votable(py::module_& m) {
    m.def("_read", &read_columns, py::arg("source"),
          "(names, arrays, masks, fields, infos) of the first table of a VOTable; see dax.votable.read.");
    m.def("_write", &write_columns, py::arg("names"), py::arg("arrays"), py::arg("masks"), py::arg("meta"), py::arg("target"),
          py::arg("format"), "Writes numpy columns; see dax.votable.write.");
}

}  // namespace dax::python
