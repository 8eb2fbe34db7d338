#include "tool/messages.h"

#include <cstdlib>
#include <cstring>

namespace jpki::tool {

bool japanese() {
  for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') return std::strncmp(v, "ja", 2) == 0;
  }
  return false;
}

namespace {
struct Entry {
  Msg id;
  const char* en;
  const char* ja;
};
constexpr Entry kTable[] = {
    {Msg::kReader, "Reader", "カードリーダー"},
    {Msg::kCard, "Card", "カード"},
    {Msg::kAuthCert, "User authentication certificate (利用者証明用)", "利用者証明用電子証明書"},
    {Msg::kSignCert, "Digital signature certificate (署名用)", "署名用電子証明書"},
    {Msg::kTriesLeft, "PIN tries left", "暗証番号の残り試行回数"},
    {Msg::kLocked, "LOCKED: too many wrong PINs", "ロック中: 暗証番号を規定回数以上間違えました"},
    {Msg::kLockedAdvice, "Take the card to your city office (市区町村の窓口) to reset the PIN.",
     "お住まいの市区町村の窓口で暗証番号の再設定を行ってください。"},
    {Msg::kLastTry, "One try left: one more wrong PIN locks this certificate.",
     "残り1回です。次に間違えるとこの証明書はロックされます。"},
    {Msg::kExpires, "Expires", "有効期限"},
    {Msg::kDaysLeft, "days left", "日"},
    {Msg::kRenewOpen, "Renewal is possible now (from 3 months before expiry).",
     "更新手続きができます(有効期限の3か月前から)。"},
    {Msg::kRenewNotYet, "Renewal opens on", "更新手続きの開始日"},
    {Msg::kExpired, "EXPIRED: renew it at your city office.",
     "有効期限切れです。市区町村の窓口で更新してください。"},
    {Msg::kSubject, "Subject", "主体者"},
    {Msg::kIssuer, "Issuer", "発行者"},
    {Msg::kSignDateNeedsPassword,
     "Its expiry date is readable only with the signing password: run `jpki-tool status --sign-details`.",
     "有効期限の確認には署名用パスワードが必要です(jpki-tool status --sign-details)。"},
    {Msg::kNoCard, "No My Number Card found in any reader.", "マイナンバーカードが見つかりません。"},
    {Msg::kWrongPin, "Wrong PIN. Tries left", "暗証番号が違います。残り回数"},
    {Msg::kPinShapeAuth, "The user-authentication PIN is exactly 4 digits; nothing was sent to the card.",
     "利用者証明用暗証番号は数字4桁です。カードには送信していません。"},
    {Msg::kPinShapeSign,
     "The signing password is 6-16 characters of A-Z and 0-9; nothing was sent to the card.",
     "署名用パスワードは英大文字と数字の6〜16文字です。カードには送信していません。"},
    {Msg::kPinMismatch, "The two new PINs differ; nothing was sent to the card.",
     "新しい暗証番号が一致しません。カードには送信していません。"},
    {Msg::kPinChanged, "PIN changed.", "暗証番号を変更しました。"},
    {Msg::kEnterPin, "PIN: ", "暗証番号: "},
    {Msg::kEnterNewPin, "New PIN: ", "新しい暗証番号: "},
    {Msg::kRepeatNewPin, "New PIN again: ", "新しい暗証番号(確認): "},
    {Msg::kNoPinInput, "No PIN given (terminal, --pin-file or JPKI_PIN).",
     "暗証番号が入力されていません(端末、--pin-file または JPKI_PIN)。"},
    {Msg::kCardError, "Card error", "カードのエラー"},
};
}  // namespace

const char* text(Msg m) {
  for (const Entry& e : kTable) {
    if (e.id == m) return japanese() ? e.ja : e.en;
  }
  return "?";
}

}  // namespace jpki::tool
