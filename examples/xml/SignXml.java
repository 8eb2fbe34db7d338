// Sign an e-filing XML document with the My Number Card's signing key:
// an enveloped XML-DSig signature (RSA-SHA256, SHA-256 digest, C14N) with the
// signing certificate in KeyInfo, as e-Tax / e-Gov filings carry.
//
//   java SignXml.java PKCS11-CONFIG IN.xml OUT.xml
//
// PKCS11-CONFIG is a SunPKCS11 configuration naming jpki-pkcs11.so and the
// signing slot (see sign-xml.sh). The signing password is read from the
// console, or from $JPKI_STOREPASS (tests only).
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.SignatureMethod;
import javax.xml.crypto.dsig.SignedInfo;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLSignature;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMSignContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfo;
import javax.xml.crypto.dsig.keyinfo.KeyInfoFactory;
import javax.xml.crypto.dsig.keyinfo.X509Data;
import javax.xml.crypto.dsig.spec.C14NMethodParameterSpec;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;

public class SignXml {
  static final String ALIAS = "Digital Signature Certificate";  // the module's CKA_LABEL

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: java SignXml.java PKCS11-CONFIG IN.xml OUT.xml");
      System.exit(2);
    }
    Provider p11 = Security.getProvider("SunPKCS11").configure(args[0]);
    Security.addProvider(p11);
    String env = System.getenv("JPKI_STOREPASS");
    char[] pin = env != null ? env.toCharArray()
        : System.console().readPassword("署名用電子証明書のパスワード / Signing password: ");
    KeyStore ks = KeyStore.getInstance("PKCS11", p11);
    ks.load(null, pin);
    java.util.Arrays.fill(pin, '\0');
    PrivateKey key = (PrivateKey) ks.getKey(ALIAS, null);
    X509Certificate cert = (X509Certificate) ks.getCertificate(ALIAS);
    if (key == null || cert == null) throw new IllegalStateException("no signing key on the card");

    DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
    dbf.setNamespaceAware(true);
    Document doc = dbf.newDocumentBuilder().parse(new FileInputStream(args[1]));

    XMLSignatureFactory f = XMLSignatureFactory.getInstance("DOM");
    Reference ref = f.newReference("", f.newDigestMethod(DigestMethod.SHA256, null),
        Collections.singletonList(f.newTransform(Transform.ENVELOPED, (TransformParameterSpec) null)), null, null);
    SignedInfo si = f.newSignedInfo(
        f.newCanonicalizationMethod(CanonicalizationMethod.INCLUSIVE, (C14NMethodParameterSpec) null),
        f.newSignatureMethod(SignatureMethod.RSA_SHA256, null), Collections.singletonList(ref));
    KeyInfoFactory kif = f.getKeyInfoFactory();
    X509Data x509 = kif.newX509Data(List.of(cert));
    KeyInfo ki = kif.newKeyInfo(Collections.singletonList(x509));
    // The card signs: the private key object stays in the card, Java only holds a handle.
    f.newXMLSignature(si, ki).sign(new DOMSignContext(key, doc.getDocumentElement()));

    try (FileOutputStream out = new FileOutputStream(args[2])) {
      TransformerFactory.newInstance().newTransformer().transform(new DOMSource(doc), new StreamResult(out));
    }
    System.out.println("signed by " + cert.getSubjectX500Principal().getName());
  }
}
