#include "tool/messages.h"

#include <cstdlib>
#include <cstring>

namespace jpki::tool {

bool japanese() {
  for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && *v != '\0') {
      return std::strncmp(v, "ja", 2) == 0;
    }
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
    {Msg::kSerial, "serial", "シリアル番号"},
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
    {Msg::kAuthDateNeedsPin,
     "On this token its expiry date is readable only with the user authentication PIN: run "
     "`jpki-tool cert export --auth | openssl x509 -noout -enddate`.",
     "このトークンでは有効期限の確認に利用者証明用暗証番号が必要です"
     "(jpki-tool cert export --auth | openssl x509 -noout -enddate)。"},
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
    // diagnose
    {Msg::kDiagTitle, "jpki-tool diagnose: no PIN is asked for or tried, no personal data is read.",
     "jpki-tool diagnose: 暗証番号の入力も照合もせず、個人情報も読み取りません。"},
    {Msg::kDiagPcscd, "1. PC/SC service (pcscd)", "1. PC/SCサービス (pcscd)"},
    {Msg::kDiagReachable, "reachable", "接続できます"},
    {Msg::kDiagUnreachable, "not reachable", "接続できません"},
    {Msg::kDiagReaders, "2. Card readers", "2. カードリーダー"},
    {Msg::kDiagNone, "none", "なし"},
    {Msg::kDiagCardPresent, "card present", "カードあり"},
    {Msg::kDiagNoCardInReader, "no card", "カードなし"},
    {Msg::kDiagNotSelected, "skipped: its name does not contain the --reader text",
     "対象外: 名前が --reader の指定を含みません"},
    {Msg::kDiagCardIn, "3. Card in", "3. カード:"},
    {Msg::kDiagAtrContact, "a known My Number Card contact ATR", "既知のマイナンバーカードの接触ATR"},
    {Msg::kDiagAtrContactless, "a known My Number Card contactless ATR",
     "既知のマイナンバーカードの非接触ATR"},
    {Msg::kDiagAtrPupi,
     "a contactless (Type B) ATR carrying the card's random PUPI: it differs each time, that is fine",
     "カードのランダムなPUPIを含む非接触(Type B)ATR: 毎回変わりますが問題ありません"},
    {Msg::kDiagAtrUnknown,
     "not among the ATRs known from public sources; no error: the module finds the card by its applet",
     "公開情報にないATRです。エラーではありません(モジュールはATRではなくアプリで判定します)"},
    {Msg::kDiagApplet, "4. JPKI applet (AID D3 92 F0 00 26 01 00 00 00 01)",
     "4. 公的個人認証AP (AID D3 92 F0 00 26 01 00 00 00 01)"},
    {Msg::kDiagAnswered, "answered", "応答あり"},
    {Msg::kDiagNotAnswered, "did not answer", "応答なし"},
    {Msg::kDiagToken, "5. Token name (EF 0006)", "5. トークン名 (EF 0006)"},
    {Msg::kDiagTokenSize, "EF 0006 size as read", "EF 0006 の読み取りサイズ"},
    {Msg::kDiagBytes, "bytes", "バイト"},
    {Msg::kModelCard, "My Number Card", "マイナンバーカード"},
    {Msg::kModelAndroid, "smartphone certificate on an Android phone",
     "Androidスマートフォンのスマホ用電子証明書"},
    {Msg::kModelIphone, "smartphone certificate on an iPhone", "iPhoneのスマホ用電子証明書"},
    {Msg::kModelJuki, "old Juki card (住基カード)", "住基カード"},
    {Msg::kModelUnknown, "unknown JPKI token", "不明なJPKIトークン"},
    {Msg::kModelNotJpki, "not a JPKI token name", "JPKIのトークン名ではありません"},
    {Msg::kDiagCerts, "6. Certificates (DER size)", "6. 電子証明書 (DERのサイズ)"},
    {Msg::kDiagCertAuth, "user authentication certificate", "利用者証明用電子証明書"},
    {Msg::kDiagCertAuthCa, "user authentication CA certificate", "利用者証明用CA証明書"},
    {Msg::kDiagCertSignCa, "digital signature CA certificate", "署名用CA証明書"},
    {Msg::kDiagCertSign, "digital signature certificate", "署名用電子証明書"},
    {Msg::kDiagSignNotRead, "not read: it holds name, address, birth date and sex",
     "読み取りません(氏名・住所・生年月日・性別を含むため)"},
    {Msg::kDiagNeedsPin, "needs PIN on this token (not read, no PIN tried)",
     "このトークンでは暗証番号が必要です(読み取らず、暗証番号も試しません)"},
    {Msg::kDiagNotChecked, "not checked", "未確認"},
    {Msg::kDiagStatusWords, "Status words the card answered (whole run)",
     "カードが返したステータスワード (全体)"},
    {Msg::kDiagPins, "7. PIN tries left (asked without spending a try)",
     "7. 暗証番号の残り試行回数(回数を消費せずに確認)"},
    {Msg::kDiagAuthPin, "user authentication PIN", "利用者証明用暗証番号"},
    {Msg::kDiagSignPin, "signing password", "署名用パスワード"},
    {Msg::kDiagFindings, "Findings", "診断結果"},
    {Msg::kDiagNothingWrong, "nothing looks wrong", "問題は見つかりませんでした"},
    {Msg::kDiagProblem, "PROBLEM", "問題"},
    {Msg::kDiagNote, "note", "参考"},
    {Msg::kDiagReportHead, "For a bug report, paste the block below (no PIN, no personal data in it):",
     "バグ報告には以下を貼り付けてください(暗証番号・個人情報は含みません。英語で出力します):"},
    {Msg::kDiagError, "error", "エラー"},
    {Msg::kFindPcscd,
     "pcscd (the PC/SC service) is not running or not reachable. Start it: sudo systemctl start pcscd.socket "
     "(Debian package pcscd)",
     "pcscd (PC/SCサービス) が動いていないか接続できません。起動: sudo systemctl start pcscd.socket "
     "(Debianパッケージ pcscd)"},
    {Msg::kFindNoReader,
     "No card reader found. Plug in the reader; if it is plugged in, its driver may be missing (Debian "
     "package "
     "libccid).",
     "カードリーダーが見つかりません。リーダーを接続してください。接続済みなら、ドライバ (Debianパッケージ "
     "libccid) がないのかもしれません。"},
    {Msg::kFindNoMatchingReader, "No reader's name contains the --reader text",
     "--reader の指定を名前に含むリーダーがありません"},
    {Msg::kFindNoCard,
     "No card in any reader. Insert the My Number Card, or lay it flat on a contactless reader.",
     "どのリーダーにもカードがありません。マイナンバーカードを挿入するか、非接触リーダーに置いてください。"},
    {Msg::kFindConnect, "Could not connect to the card (another program may hold it)",
     "カードに接続できません(他のプログラムが使用中かもしれません)"},
    {Msg::kFindAtrUnknown,
     "ATR not known from public sources; no error (the module finds the card by its applet), but worth "
     "reporting",
     "公開情報にないATRです。エラーではありません(モジュールはアプリで判定します)"
     "が、報告していただけると助かります"},
    {Msg::kFindAtrPupi, "contactless ATR with the card's random PUPI: it differs each time; no error",
     "カードのランダムなPUPIを含む非接触ATR: 毎回変わります。エラーではありません"},
    {Msg::kFindNoApplet,
     "The card did not answer the JPKI applet: not a My Number Card, or one the card driver does not "
     "understand",
     "カードが公的個人認証APに応答しません: "
     "マイナンバーカードではないか、ドライバが対応していないカードです"},
    {Msg::kFindTokenInfo,
     "The JPKI applet answered, but the card driver did not accept its token info (EF 0006)",
     "公的個人認証APは応答しましたが、ドライバがトークン情報 (EF 0006) を受け付けませんでした"},
    {Msg::kFindJuki,
     "An old Juki card (住基カード): its JPKI certificates should all have expired (see the expiry date). "
     "If they have, use a My Number Card.",
     "住基カードです。公的個人認証の証明書は有効期限切れのはずです (有効期限を確認してください)。"
     "期限切れならマイナンバーカードをお使いください。"},
    {Msg::kFindUnknownToken, "Unknown token name: please report it",
     "不明なトークン名です。報告してください"},
    {Msg::kFindAndroid,
     "Android smartphone certificate: its authentication certificate is readable only after the PIN",
     "Androidのスマホ用電子証明書: 利用者証明用電子証明書は暗証番号の入力後に読み取れます"},
    {Msg::kFindIphone, "iPhone smartphone certificate: not yet tried with this module; a report is welcome",
     "iPhoneのスマホ用電子証明書: このモジュールでは未確認です。報告していただけると助かります"},
    {Msg::kFindTokenSize, "EF 0006 has a size not seen before (known: 160 or 32 bytes)",
     "EF 0006 のサイズが既知のもの (160 または 32 バイト) と違います"},
    {Msg::kFindCertFailed, "could not be read", "読み取れませんでした"},
    {Msg::kFindAuthNeedsPin,
     "The authentication certificate needs the PIN on this card (known of the Android token only): please "
     "report it",
     "このカードでは利用者証明用電子証明書に暗証番号が必要です (Androidでのみ既知): 報告してください"},
    {Msg::kFindAuthExpired, "The user authentication certificate has expired: renew it at your city office",
     "利用者証明用電子証明書の有効期限が切れています。市区町村の窓口で更新してください"},
    {Msg::kFindIssuerNotJlis,
     "The authentication certificate is not issued by J-LIS (a test card or a simulator?)",
     "利用者証明用電子証明書の発行者がJ-LISではありません(テストカードかシミュレータ?)"},
    {Msg::kFindPinFailed, "retry counter could not be read", "残り回数を読み取れませんでした"},
    {Msg::kFindPinLocked,
     "LOCKED: too many wrong PINs. Take the card to your city office (市区町村の窓口) to reset the PIN",
     "ロック中: 暗証番号を規定回数以上間違えました。市区町村の窓口で暗証番号の再設定を行ってください"},
    {Msg::kFindPinLow, "fewer tries left than the maximum: a wrong PIN was entered since the last right one",
     "残り回数が最大より少なくなっています: 前回正しく入力した後に誤った暗証番号が入力されました"},
};
}  // namespace

const char* text(Msg m) {
  for (const Entry& e : kTable) {
    if (e.id == m) {
      return japanese() ? e.ja : e.en;
    }
  }
  return "?";
}

const char* english(Msg m) {
  for (const Entry& e : kTable) {
    if (e.id == m) {
      return e.en;
    }
  }
  return "?";
}

}  // namespace jpki::tool
