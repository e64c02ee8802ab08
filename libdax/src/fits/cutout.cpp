// FITS cutouts (field notes section 2.4-2.7): the box from every image HDU on the science grid,
// headers kept with their WCS shifted, written into a private scratch file and then to the sink.
#include <dax/fits/cutout.hpp>

#include "fits_file.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <unistd.h>

namespace dax::fits {

namespace {

using detail::check;

// The cutout is written into a file in a private directory (mkdtemp, mode 0700; CFITSIO creates
// files by name, which in a shared $TMPDIR would race with others), then copied to the sink.
class scratch_file {
public:
    scratch_file() {
        static std::atomic<unsigned long> serial{0};
        const char* tmp = std::getenv("TMPDIR");
        std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/dax-cutout-XXXXXX";
        if (!::mkdtemp(tmpl.data())) throw error(error_kind::internal, "FITS: cannot create a temporary directory");
        dir_ = tmpl;
        path = dir_ + "/cutout-" + std::to_string(serial++) + ".fits";
    }
    ~scratch_file() {
        std::remove(path.c_str());
        ::rmdir(dir_.c_str());
    }
    std::string path;

private:
    std::string dir_;
};

// Copies a finished file to the sink in pieces; its size.
std::uint64_t copy_to(const std::string& path, dax::sink& out) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw error(error_kind::internal, "FITS: the cutout file is gone");
    std::vector<char> buf(256 << 10);
    std::uint64_t total = 0;
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), f)) > 0; total += n) out.write(buf.data(), n);
    std::fclose(f);
    return total;
}

int datatype_of(int bitpix) {
    switch (bitpix) {
    case BYTE_IMG: return TBYTE;
    case SHORT_IMG: return TSHORT;
    case LONG_IMG: return TINT;
    case LONGLONG_IMG: return TLONGLONG;
    case FLOAT_IMG: return TFLOAT;
    case DOUBLE_IMG: return TDOUBLE;
    default: throw error(fmt::format("FITS: unsupported BITPIX {}", bitpix));
    }
}

std::size_t bytes_of(int bitpix) { return static_cast<std::size_t>(std::abs(bitpix) / 8); }

// Keywords the output writes itself, or that describe the input's storage (a compressed HDU is
// a binary table: its table and Z* keywords go).
bool structural(const std::string& k, bool compressed) {
    static const std::regex fixed("SIMPLE|XTENSION|BITPIX|NAXIS[0-9]*|EXTEND|NEXTEND|PCOUNT|GCOUNT|CHECKSUM|DATASUM|END");
    static const std::regex table("TFIELDS|THEAP|T(TYPE|FORM|UNIT|DIM|NULL|SCAL|ZERO|DISP)[0-9]+|ZIMAGE|ZCMPTYPE|ZBITPIX|"
                                  "ZNAXIS[0-9]*|ZTILE[0-9]+|ZNAME[0-9]+|ZVAL[0-9]+|ZMASKCMP|ZSIMPLE|ZTENSION|ZEXTEND|ZBLOCKED|"
                                  "ZPCOUNT|ZGCOUNT|ZHECKSUM|ZDATASUM|ZQUANTIZ|ZDITHER0");
    return std::regex_match(k, fixed) || (compressed && std::regex_match(k, table));
}

// Copies the current input HDU's cards to the current output HDU: CRPIXn[a] and LTVn shifted by
// the box origin on axis n (`shift`, empty for an uncut HDU); LTV1/LTV2 added when absent.
void copy_cards(fitsfile* in, fitsfile* out, bool compressed, const std::vector<long>& shift) {
    static const std::regex crpix("CRPIX([0-9]+)[A-Z]?"), ltv("LTV([0-9]+)");
    int status = 0, n = 0, more = 0;
    fits_get_hdrspace(in, &n, &more, &status);
    check(status, "reading a header");
    char card[FLEN_CARD], name[FLEN_KEYWORD], value[FLEN_VALUE], comment[FLEN_COMMENT];
    bool ltv_seen[2] = {false, false};
    for (int i = 1; i <= n; ++i) {
        fits_read_record(in, i, card, &status);
        check(status, "reading a header card");
        int len = 0;
        if (fits_get_keyname(card, name, &len, &status)) status = 0;
        const std::string key(name);
        if (structural(key, compressed)) continue;
        std::smatch m;
        const bool is_crpix = std::regex_match(key, m, crpix), is_ltv = !is_crpix && std::regex_match(key, m, ltv);
        if (!shift.empty() && (is_crpix || is_ltv)) {
            const auto axis = std::stoul(m[1].str());
            if (is_ltv && axis >= 1 && axis <= 2) ltv_seen[axis - 1] = true;
            if (axis >= 1 && axis <= shift.size() && fits_parse_value(card, value, comment, &status) == 0) {
                const double v = std::strtod(value, nullptr) - static_cast<double>(shift[axis - 1]);
                fits_update_key_dbl(out, key.c_str(), v, 15, comment[0] ? comment : nullptr, &status);
                check(status, "writing a shifted WCS card");
                continue;
            }
            status = 0;
        }
        fits_write_record(out, card, &status);
        check(status, "writing a header card");
    }
    for (std::size_t a = 0; a < 2 && a < shift.size(); ++a)
        if (!ltv_seen[a]) {
            const std::string key = fmt::format("LTV{}", a + 1);
            fits_update_key_dbl(out, key.c_str(), -static_cast<double>(shift[a]), 15, "logical = physical + LTV (cutout origin)", &status);
            check(status, "writing LTV");
        }
}

struct hdu_shape {
    int bitpix = 0;
    std::vector<long> shape;
    bool compressed = false;
};

hdu_shape shape_of(fitsfile* f) {
    hdu_shape s;
    int status = 0, naxis = 0, type = 0;
    fits_get_hdu_type(f, &type, &status);
    check(status, "reading the HDU type");
    if (type != IMAGE_HDU) return s;
    fits_get_img_type(f, &s.bitpix, &status);
    fits_get_img_dim(f, &naxis, &status);
    s.shape.resize(static_cast<std::size_t>(naxis));
    if (naxis) fits_get_img_size(f, naxis, s.shape.data(), &status);
    check(status, "reading the image size");
    s.compressed = fits_is_compressed_image(f, &status) != 0;
    return s;
}

void write_cut(fitsfile* in, fitsfile* out, const hdu_shape& s, const cutout_spec& spec) {
    int status = 0;
    std::vector<long> dims(s.shape.size()), shift(s.shape.size()), first(spec.first), last(spec.last), inc(s.shape.size(), 1);
    std::size_t n = 1;
    for (std::size_t a = 0; a < s.shape.size(); ++a) {
        dims[a] = last[a] - first[a] + 1;
        shift[a] = first[a] - 1;
        n *= static_cast<std::size_t>(dims[a]);
    }
    fits_create_img(out, s.bitpix, static_cast<int>(dims.size()), dims.data(), &status);
    check(status, "creating a cutout HDU");
    copy_cards(in, out, s.compressed, shift);
    for (const auto& [k, v] : spec.provenance) {
        fits_update_key_longstr(out, k.c_str(), v.c_str(), nullptr, &status);
        check(status, "writing a provenance card");
    }
    // Raw values both ways: BSCALE/BZERO/BLANK are copied as cards and keep their meaning.
    fits_set_bscale(in, 1.0, 0.0, &status);
    fits_set_bscale(out, 1.0, 0.0, &status);
    check(status, "setting raw pixel values");
    std::vector<char> pixels(n * bytes_of(s.bitpix));
    const int type = datatype_of(s.bitpix);
    int anynul = 0;
    fits_read_subset(in, type, first.data(), last.data(), inc.data(), nullptr, pixels.data(), &anynul, &status);
    check(status, "reading the cutout's pixels");
    fits_write_img(out, type, 1, static_cast<LONGLONG>(n), pixels.data(), &status);
    check(status, "writing the cutout's pixels");
    fits_write_chksum(out, &status);
    check(status, "writing the checksum");
}

}  // namespace

std::uint64_t write_cutout(const std::string& path, const cutout_spec& spec, dax::sink& out) {
    auto in = detail::open_file(path);
    int status = 0, count = 0, type = 0;
    fits_get_num_hdus(in.get(), &count, &status);
    check(status, "counting the HDUs");
    if (spec.science_hdu < 0 || spec.science_hdu >= count) throw error(fmt::format("{} has no HDU {}", path, spec.science_hdu));
    fits_movabs_hdu(in.get(), spec.science_hdu + 1, &type, &status);
    check(status, "moving to the science HDU");
    const hdu_shape science = shape_of(in.get());
    if (science.shape.size() < 2 || spec.first.size() != science.shape.size() || spec.last.size() != science.shape.size())
        throw error(fmt::format("HDU {} is not an image of {} axes", spec.science_hdu, spec.first.size()));
    for (std::size_t a = 0; a < science.shape.size(); ++a)
        if (spec.first[a] < 1 || spec.last[a] > science.shape[a] || spec.first[a] > spec.last[a])
            throw error(fmt::format("axis {}: pixels {}..{} are outside 1..{}", a + 1, spec.first[a], spec.last[a], science.shape[a]));

    // Which HDUs are cut: the image HDUs on the science grid.
    std::vector<bool> cut(static_cast<std::size_t>(count));
    int extensions = 0;
    for (int i = 0; i < count; ++i) {
        fits_movabs_hdu(in.get(), i + 1, &type, &status);
        check(status, "moving to an HDU");
        const auto s = shape_of(in.get());
        cut[static_cast<std::size_t>(i)] = s.shape == science.shape;
        if (i > 0 && cut[static_cast<std::size_t>(i)]) ++extensions;
    }
    scratch_file scratch;
    auto file = detail::create_file(scratch.path);
    fitsfile* const o = file.get();
    // The primary: cut when it is on the grid, else its header alone (NEXTEND fixed).
    fits_movabs_hdu(in.get(), 1, &type, &status);
    if (cut[0]) {
        write_cut(in.get(), o, science, spec);
    } else {
        fits_create_img(o, BYTE_IMG, 0, nullptr, &status);
        check(status, "creating the primary HDU");
        copy_cards(in.get(), o, false, {});
        if (extensions > 0) fits_update_key_lng(o, "NEXTEND", extensions, "number of extensions", &status);
        fits_write_chksum(o, &status);
        check(status, "writing the primary header");
    }
    for (int i = 1; i < count; ++i) {
        if (!cut[static_cast<std::size_t>(i)]) continue;
        fits_movabs_hdu(in.get(), i + 1, &type, &status);
        check(status, "moving to an HDU");
        write_cut(in.get(), o, shape_of(in.get()), spec);
    }
    detail::close_file(file);
    return copy_to(scratch.path, out);
}

}  // namespace dax::fits
