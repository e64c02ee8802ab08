#include <dax/votable/field.hpp>

#include <charconv>
#include <fmt/format.h>

namespace dax::votable {

namespace {
struct type_name {
    std::string_view name;
    datatype type;
    int size;
};
constexpr type_name types[] = {
    {"boolean", datatype::boolean, 1},         {"bit", datatype::bit, 0},
    {"unsignedByte", datatype::unsigned_byte, 1}, {"short", datatype::short_, 2},
    {"int", datatype::int_, 4},                {"long", datatype::long_, 8},
    {"char", datatype::char_, 1},              {"unicodeChar", datatype::unicode_char, 2},
    {"float", datatype::float_, 4},            {"double", datatype::double_, 8},
    {"floatComplex", datatype::float_complex, 8}, {"doubleComplex", datatype::double_complex, 16},
};
}  // namespace

std::optional<datatype> datatype_from_name(std::string_view name) {
    for (const auto& t : types)
        if (t.name == name) return t.type;
    return std::nullopt;
}

std::string_view datatype_name(datatype t) {
    for (const auto& x : types)
        if (x.type == t) return x.name;
    return "";
}

int element_size(datatype t) {
    for (const auto& x : types)
        if (x.type == t) return x.size;
    return 0;
}

std::int64_t array_shape::fixed_elements() const {
    std::int64_t n = 1;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (variable && i + 1 == dims.size()) break;
        n *= dims[i];
    }
    return n;
}

array_shape parse_arraysize(std::string_view a) {
    array_shape s;
    if (a.empty()) return s;
    size_t pos = 0;
    while (pos <= a.size()) {
        size_t x = a.find('x', pos);
        std::string_view part = a.substr(pos, x == std::string_view::npos ? std::string_view::npos : x - pos);
        const bool last = x == std::string_view::npos;
        if (part.empty()) throw error(fmt::format("bad arraysize '{}'", a));
        if (part.back() == '*') {
            if (!last) throw error(fmt::format("bad arraysize '{}': only the last dimension may be variable", a));
            s.variable = true;
            part.remove_suffix(1);
            if (part.empty()) {
                s.dims.push_back(0);
                break;
            }
        }
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
        if (ec != std::errc() || p != part.data() + part.size() || v <= 0 || v > (std::int64_t(1) << 31))
            throw error(fmt::format("bad arraysize '{}'", a));
        s.dims.push_back(v);
        if (last) break;
        pos = x + 1;
    }
    if (s.dims.size() > 8) throw error(fmt::format("bad arraysize '{}': too many dimensions", a));
    return s;
}

field dali_field(std::string name, std::string_view xtype) {
    field f;
    f.name = std::move(name);
    f.xtype = std::string(xtype);
    if (xtype == "timestamp" || xtype == "moc") {
        f.type = datatype::char_;
        f.arraysize = "*";
    } else if (xtype == "point" || xtype == "interval") {
        f.type = datatype::double_;
        f.arraysize = "2";
    } else if (xtype == "circle") {
        f.type = datatype::double_;
        f.arraysize = "3";
    } else if (xtype == "polygon") {
        f.type = datatype::double_;
        f.arraysize = "*";
    } else {
        throw error(fmt::format("unknown DALI xtype '{}'", xtype));
    }
    if (xtype == "point" || xtype == "circle" || xtype == "polygon") f.unit = "deg";
    return f;
}

}  // namespace dax::votable
