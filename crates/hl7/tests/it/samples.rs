//! Synthetic sample messages (trimmed from the IZ Gateway v2-to-FHIR and OpenPIXPDQ
//! examples; names and numbers are invented), with `\n` line ends turned into CR.

/// A message with CR segment ends.
pub fn cr(text: &str) -> String {
    text.trim().replace('\n', "\r") + "\r"
}

pub const A01: &str = r"
MSH|^~\&|EHR|NORTH|CHARTROOM|CR|20260301090000-0500||ADT^A01^ADT_A01|C-A01|P|2.5.1
EVN|A01|20260301090000-0500
PID|1||MRN-100^^^NORTH^MR||Ashdown^Mara^J^^^^L||19800412|F|||1 Elm St^Apt 2^Salem^OR^97301^US^L
PV1|1|I|W^101^1||||1234567893^Welby^Marcus^^^^^^^^^^NPI||||||||||||V-1|||||||||||||||||||||||||20260301083000-0500
";

pub const A08: &str = r#"
MSH|^~\&|EHR|NORTH|CHARTROOM|CR|20260301100000-0500||ADT^A08^ADT_A01|C-A08|P|2.5.1
EVN|A08|20260301100000-0500
PID|1||MRN-100^^^NORTH^MR||Ashdown-Reyes^Mara^""^^^^L||19800412|F|||9 Oak Ave^^Salem^OR^97302^US^L
PV1|1|I
"#;

pub const A03: &str = r"
MSH|^~\&|EHR|NORTH|CHARTROOM|CR|20260303120000-0500||ADT^A03^ADT_A03|C-A03|P|2.5.1
EVN|A03|20260303120000-0500
PID|1||MRN-100^^^NORTH^MR||Ashdown-Reyes^Mara^^^^^L||19800412|F
PV1|1|I|||||||||||||||||V-1|||||||||||||||||01|||||||||20260303113000-0500
";

pub const A04_PIX: &str = r"
MSH|^~\&|OTHER_BRIDGE|IBM|PIX_MGR|XREF|20090224104159-0600||ADT^A04^ADT_A01|5072521490828516081|P|2.3.1
EVN||20090224104159-0600
PID|||103^^^IBOT&1.3.6.1.4.1.21367.2009.1.2.370&ISO||OTHERBRIDGE^MARY||19661109|F
PV1||O
";

pub const ORU: &str = r"
MSH|^~\&|LAB|NORTH|CHARTROOM|CR|20260302080000+0000||ORU^R01^ORU_R01|C-ORU|P|2.5.1
PID|1||MRN-100^^^NORTH^MR||Ashdown^Mara||19800412|F
OBR|1||L-77|24323-8^Comprehensive metabolic panel^LN|||20260302073000+0000
OBX|1|NM|2345-7^Glucose^LN||95|mg/dL|70-99|N|||F|||20260302074500+0000
OBX|2|CWE|5778-6^Color of Urine^LN||YEL^Yellow^HL70000||||||F
OBX|3|ST|8251-1^Service comment^LN||fasting \T\ rested||||||F
";

pub const VXU: &str = r"
MSH|^~\&|MYEHR|DCS|MYIIS||201201130000-0500||VXU^V04^VXU_V04|45646ug|P|2.5.1|||ER|AL|||||Z22^CDCPHINVS
PID|1||432155^^^dcs^MR||Patient^Johnny^New^^^^L|Lastname^Sally^^^^^M|20110411|M||1002-5^Native American^HL70005|123 Any St^^Somewhere^WI^54000^^L
ORC|RE||65929^DCS|||||||^Clerk^Myron||
RXA|0|1|20110415||85^hep B, unspec^CVX|999|||01^historical^NIP001|||||||||||CP|A
ORC|RE||65930^DCS||||||20120113|^Clerk^Myron||^Pediatric^Mary^^^^^^^^^^^^^^^^^^MD|||||||||Dabig Clinic System
RXA|0|1|20120113||110^DTaP HIB IPV^CVX|0.5|mL^^UCUM||00^New admin^NIP001|^Sticker^Nurse^^^^^^^^^^^^^^^^^^RN|^^^DCS_DC||||xy3939|20141212|SKB^GlaxoSmithKline^MVX|||CP|A
RXR|C28161^IM^NCIT^IM^^HL70162|RT^Right Thigh^HL70163
OBX|1|CE|64994-7^Eligibility Status^LN|1|V02^Medicaid^HL70064||||||F||||||VXC40^vaccine level^CDCPHINVS
";

/// Bad data: an impossible birth date, an unknown sex and a patient class not in table 0004.
pub const BAD_A01: &str = r"
MSH|^~\&|EHR|NORTH|CHARTROOM|CR|20260301090000-0500||ADT^A01^ADT_A01|C-BAD|P|2.5.1
PID|1||MRN-200^^^NORTH^MR||Quill^Ona||20241345|Q
PV1|1|Z
";

pub const UNSUPPORTED: &str = r"
MSH|^~\&|EHR|NORTH|CHARTROOM|CR|20260301090000-0500||ADT^A05^ADT_A05|C-A05|P|2.5.1
PID|1||MRN-100^^^NORTH^MR||Ashdown^Mara||19800412|F
";

/// ADT^A40: MRN-101 (the same person, registered twice) merged into MRN-100.
pub const A40: &str = r"
MSH|^~\&|EHR|NORTH|CHARTROOM|CR|20260302090000-0500||ADT^A40^ADT_A39|C-A40|P|2.5.1
EVN|A40|20260302090000-0500
PID|1||MRN-100^^^NORTH^MR||Ashdown^Mara||19800412|F
MRG|MRN-101^^^NORTH^MR
";

/// ADT^A37: the merge of MRN-101 into MRN-100 undone (two people after all); the first PID
/// the chart that stayed, the second the chart restored.
pub const A37: &str = r"
MSH|^~\&|EHR|NORTH|CHARTROOM|CR|20260303090000-0500||ADT^A37^ADT_A37|C-A37|P|2.5.1
EVN|A37|20260303090000-0500
PID|1||MRN-100^^^NORTH^MR||Ashdown^Mara||19800412|F
PID|2||MRN-101^^^NORTH^MR||Ashdon^Mara||19800412|F
";

/// A second registration of Mara Ashdown under another MRN.
pub const A04_TWICE: &str = r"
MSH|^~\&|EHR|NORTH|CHARTROOM|CR|20260301110000-0500||ADT^A04^ADT_A01|C-A04-2|P|2.5.1
PID|1||MRN-101^^^NORTH^MR||Ashdon^Mara||19800412|F
PV1|1|O||||||||||||||||||V-9|||||||||||||||||||||||||20260301103000-0500
";
