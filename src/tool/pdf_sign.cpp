#include "tool/pdf_sign.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "common/openssl_ptr.h"

namespace jpki::tool::pdf {
namespace {

constexpr std::string_view kByteRangePlaceholder = "[0 0000000000 0000000000 0000000000]";

std::string ref(QPDFObjGen og) {
  return std::to_string(og.getObj()) + " " + std::to_string(og.getGen()) + " R";
}
std::string ref(int num) { return std::to_string(num) + " 0 R"; }
std::string name_text(const std::string& name) { return QPDFObjectHandle::newName("/" + name).unparse(); }
std::string text_string(const std::string& utf8) {
  return QPDFObjectHandle::newUnicodeString(utf8).unparse();
}

// A dictionary written out again with some entries replaced: every other entry
// keeps qpdf's serialisation of what the file holds (references stay references).
class DictText {
 public:
  DictText() = default;
  explicit DictText(QPDFObjectHandle dict) {
    for (const auto& key : dict.getKeys()) {
      entries_[name_text(key.substr(1))] = dict.getKey(key).unparse();
    }
  }
  void set(const std::string& key, std::string value) { entries_[name_text(key)] = std::move(value); }
  [[nodiscard]] std::string str() const {
    std::string s = "<<";
    for (const auto& [k, v] : entries_) {
      s.append(" ").append(k).append(" ").append(v);
    }
    return s + " >>";
  }

 private:
  std::map<std::string, std::string> entries_;
};

// The items of `array` (if it is one) with `extra` appended, as PDF array text.
std::string array_plus(QPDFObjectHandle array, const std::string& extra) {
  std::string s = "[";
  if (array.isArray()) {
    for (auto& item : array.getArrayAsVector()) {
      s += item.unparse() + " ";
    }
  }
  return s + extra + "]";
}

// The appended bytes: objects, then the cross-reference section and trailer.
class Increment {
 public:
  explicit Increment(Bytes base) : out_(std::move(base)) {
    if (!out_.empty() && out_.back() != '\n' && out_.back() != '\r') {
      append("\n");
    }
  }
  // Returns the offset where `body` starts.
  std::size_t object(QPDFObjGen og, const std::string& body) {
    if (!offsets_.emplace(og.getObj(), std::make_pair(out_.size(), og.getGen())).second) {
      throw std::logic_error("object written twice in one increment");
    }
    append(std::to_string(og.getObj()) + " " + std::to_string(og.getGen()) + " obj\n");
    const std::size_t at = out_.size();
    append(body);
    append("\nendobj\n");
    return at;
  }
  std::size_t object(int num, const std::string& body) { return object(QPDFObjGen(num, 0), body); }

  void xref_table(const std::string& trailer_entries, std::size_t prev) {
    const std::size_t xref_at = out_.size();
    append("xref\n");
    for (auto it = offsets_.begin(); it != offsets_.end();) {
      auto end = it;
      int count = 0;
      while (end != offsets_.end() && end->first == it->first + count) {
        ++end, ++count;
      }
      append(std::to_string(it->first) + " " + std::to_string(count) + "\n");
      for (; it != end; ++it) {
        char line[32];
        (void)std::snprintf(line, sizeof line, "%010zu %05d n\r\n", it->second.first, it->second.second);
        append(line);
      }
    }
    append("trailer\n<<" + trailer_entries + " /Prev " + std::to_string(prev) + " >>\n");
    finish(xref_at);
  }

  void xref_stream(int num, const std::string& trailer_entries, std::size_t prev) {
    const std::size_t xref_at = out_.size();
    offsets_.emplace(num, std::make_pair(xref_at, 0));
    const std::size_t width = xref_at > 0xFFFFFFFFu ? 8 : 4;
    std::string index;
    Bytes rows;
    for (auto it = offsets_.begin(); it != offsets_.end();) {
      auto end = it;
      int count = 0;
      while (end != offsets_.end() && end->first == it->first + count) {
        ++end, ++count;
      }
      index += " " + std::to_string(it->first) + " " + std::to_string(count);
      for (; it != end; ++it) {
        rows.push_back(1);  // type 1: in use, at a byte offset
        for (std::size_t i = width; i-- > 0;) {
          rows.push_back(static_cast<std::uint8_t>(it->second.first >> (8 * i)));
        }
        rows.push_back(static_cast<std::uint8_t>(it->second.second >> 8));
        rows.push_back(static_cast<std::uint8_t>(it->second.second & 0xFF));
      }
    }
    append(std::to_string(num) + " 0 obj\n<< /Type /XRef" + trailer_entries + " /Prev " +
           std::to_string(prev) + " /Index [" + index.substr(1) + "] /W [1 " + std::to_string(width) +
           " 2] /Length " + std::to_string(rows.size()) + " >>\nstream\r\n");
    out_.insert(out_.end(), rows.begin(), rows.end());
    append("\nendstream\nendobj\n");
    finish(xref_at);
  }

  Bytes take() { return std::move(out_); }
  Bytes& bytes() { return out_; }

 private:
  void append(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void finish(std::size_t xref_at) { append("startxref\n" + std::to_string(xref_at) + "\n%%EOF\n"); }

  Bytes out_;
  std::map<int, std::pair<std::size_t, int>> offsets_;
};

// A certification signature with /P 1 forbids every change, a new signature included.
bool certified_no_changes(QPDFObjectHandle root) {
  auto docmdp = root.getKey("/Perms").getKey("/DocMDP");
  if (!docmdp.isDictionary()) {
    return false;
  }
  auto refs = docmdp.getKey("/Reference");
  if (!refs.isArray()) {
    return false;
  }
  for (auto& r : refs.getArrayAsVector()) {
    if (!r.getKey("/TransformMethod").isNameAndEquals("/DocMDP")) {
      continue;
    }
    auto p = r.getKey("/TransformParams").getKey("/P");
    if (p.isInteger() && p.getIntValue() == 1) {
      return true;
    }
  }
  return false;
}

std::string unused_field_name(const PdfDocument& doc) {
  const auto names = doc.field_names();
  const std::set<std::string> used(names.begin(), names.end());
  for (int n = 1;; ++n) {
    std::string candidate = "Signature" + std::to_string(n);
    if (used.count(candidate) == 0) {
      return candidate;
    }
  }
}

std::string signature_dictionary(const SignatureDictionary& d, std::size_t hex_digits,
                                 std::size_t* byte_range_at, std::size_t* contents_at) {
  std::string s = "<<";
  if (!d.type.empty()) {
    s += " /Type " + name_text(d.type);
  }
  s += " /Filter " + name_text(d.filter) + " /SubFilter " + name_text(d.sub_filter) + " /ByteRange ";
  *byte_range_at = s.size();
  s += std::string(kByteRangePlaceholder) + "\n/Contents ";
  *contents_at = s.size();
  s += "<" + std::string(hex_digits, '0') + ">\n";
  if (!d.name.empty()) {
    s += "/Name " + text_string(d.name) + " ";
  }
  if (!d.m.empty()) {
    s += "/M " + QPDFObjectHandle::newString(d.m).unparse() + " ";
  }
  if (!d.reason.empty()) {
    s += "/Reason " + text_string(d.reason) + " ";
  }
  if (!d.location.empty()) {
    s += "/Location " + text_string(d.location) + " ";
  }
  return s + ">>";
}

}  // namespace

void ensure_signable(const PdfDocument& doc) {
  if (certified_no_changes(doc.trailer().getKey("/Root"))) {
    throw PdfError(PdfProblem::kCertifiedNoChanges, "certified with no changes allowed (DocMDP P=1)");
  }
}

PreparedSignature prepare_signature(const PdfDocument& doc, const SignatureDictionary& dict,
                                    std::size_t cms_capacity) {
  ensure_signable(doc);
  QPDFObjectHandle trailer = doc.trailer();
  QPDFObjectHandle root = trailer.getKey("/Root");
  QPDFObjectHandle page = doc.pages().front();
  if (!page.isIndirect() || !root.isIndirect()) {
    throw PdfError(PdfProblem::kDamaged, "page or catalog not an object");
  }
  const std::string field = unused_field_name(doc);
  int next = doc.next_object_number();
  const int sig_num = next++;
  const int widget_num = next++;
  Increment inc(doc.bytes());

  std::size_t byte_range_rel = 0;
  std::size_t contents_rel = 0;
  const std::size_t hex_digits = 2 * cms_capacity;
  const std::size_t sig_at =
      inc.object(sig_num, signature_dictionary(dict, hex_digits, &byte_range_rel, &contents_rel));

  // Invisible (zero-size Rect, so no appearance stream is needed): print + locked.
  inc.object(widget_num, "<< /Type /Annot /Subtype /Widget /FT /Sig /T " + text_string(field) + " /V " +
                             ref(sig_num) + " /F 132 /Rect [0 0 0 0] /P " + ref(page.getObjGen()) + " >>");

  QPDFObjectHandle annots = page.getKey("/Annots");
  if (annots.isIndirect() && annots.isArray()) {
    inc.object(annots.getObjGen(), array_plus(annots, ref(widget_num)));
  } else {
    DictText p(page);
    p.set("Annots", array_plus(annots, ref(widget_num)));
    inc.object(page.getObjGen(), p.str());
  }

  QPDFObjectHandle form = root.getKey("/AcroForm");
  QPDFObjectHandle fields = form.isDictionary() ? form.getKey("/Fields") : QPDFObjectHandle::newNull();
  DictText f = form.isDictionary() ? DictText(form) : DictText();
  if (fields.isIndirect() && fields.isArray()) {
    inc.object(fields.getObjGen(), array_plus(fields, ref(widget_num)));
  } else {
    f.set("Fields", array_plus(fields, ref(widget_num)));
  }
  auto old_flags = form.isDictionary() ? form.getKey("/SigFlags") : QPDFObjectHandle::newNull();
  f.set("SigFlags", std::to_string((old_flags.isInteger() ? old_flags.getIntValue() : 0) | 3));
  if (form.isIndirect() && form.isDictionary()) {
    inc.object(form.getObjGen(), f.str());
  } else {
    DictText r(root);
    if (form.isDictionary()) {
      r.set("AcroForm", f.str());
    } else {
      const int form_num = next++;
      inc.object(form_num, f.str());
      r.set("AcroForm", ref(form_num));
    }
    inc.object(root.getObjGen(), r.str());
  }

  std::string entries = " /Root " + ref(root.getObjGen());
  if (auto info = trailer.getKey("/Info"); info.isIndirect()) {
    entries += " /Info " + ref(info.getObjGen());
  }
  if (auto id = trailer.getKey("/ID"); id.isArray()) {
    entries += " /ID " + id.unparse();
  }
  if (doc.xref_kind() == XrefKind::kStream) {
    const int xref_num = next++;
    inc.xref_stream(xref_num, " /Size " + std::to_string(next) + entries, doc.startxref());
  } else {
    inc.xref_table(" /Size " + std::to_string(next) + entries, doc.startxref());
  }

  Bytes file = inc.take();
  const std::size_t contents_at = sig_at + contents_rel;
  const std::size_t after = contents_at + hex_digits + 2;
  std::string range = "[0 " + std::to_string(contents_at) + " " + std::to_string(after) + " " +
                      std::to_string(file.size() - after);
  range.resize(kByteRangePlaceholder.size() - 1, ' ');
  range += "]";
  std::copy(range.begin(), range.end(), file.begin() + static_cast<std::ptrdiff_t>(sig_at + byte_range_rel));
  return {std::move(file), contents_at, hex_digits, field};
}

PreparedSignature::PreparedSignature(Bytes file, std::size_t contents_at, std::size_t contents_hex,
                                     std::string field)
    : file_(std::move(file)),
      contents_at_(contents_at),
      contents_hex_(contents_hex),
      field_(std::move(field)) {}

std::array<std::size_t, 4> PreparedSignature::byte_range() const {
  const std::size_t after = contents_at_ + contents_hex_ + 2;
  return {0, contents_at_, after, file_.size() - after};
}

Bytes PreparedSignature::signed_bytes() const {
  const auto r = byte_range();
  Bytes out(file_.begin(), file_.begin() + static_cast<std::ptrdiff_t>(r[1]));
  out.insert(out.end(), file_.begin() + static_cast<std::ptrdiff_t>(r[2]), file_.end());
  return out;
}

Bytes PreparedSignature::digest() const {
  const auto r = byte_range();
  Bytes md(32);
  const MdCtx ctx(EVP_MD_CTX_new());
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), file_.data(), r[1]) != 1 ||
      EVP_DigestUpdate(ctx.get(), file_.data() + r[2], r[3]) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), md.data(), &len) != 1) {
    throw std::runtime_error("OpenSSL: SHA-256");
  }
  return md;
}

void PreparedSignature::embed(ByteView cms) {
  if (2 * cms.size() > contents_hex_) {
    throw std::length_error("the signature does not fit the space reserved");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::size_t at = contents_at_ + 1;
  for (const std::uint8_t b : cms) {
    file_[at++] = static_cast<std::uint8_t>(kDigits[b >> 4]);
    file_[at++] = static_cast<std::uint8_t>(kDigits[b & 0x0F]);
  }
}

std::string pdf_date(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  const long offset = tm.tm_gmtoff;
  const int minutes = static_cast<int>((offset < 0 ? -offset : offset) / 60) % (24 * 60);
  char buf[64];
  (void)std::snprintf(buf, sizeof buf, "D:%04d%02d%02d%02d%02d%02d%c%02d'%02d'", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offset < 0 ? '-' : '+',
                      minutes / 60, minutes % 60);
  return buf;
}

}  // namespace jpki::tool::pdf
