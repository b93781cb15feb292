//! Code tables: ICD-10-CM diagnoses with prevalence, procedures (CPT, HCPCS, ICD-10-PCS),
//! CVX vaccines and LOINC observations. Every ICD-10-CM, ICD-10-PCS, HCPCS and CVX code
//! here is checked against the embedded code sets by the test suite, so a typo or a
//! retired code fails a test rather than a demo.

/// Who a code applies to (ICD-10-CM sex edits and common sense).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sex {
    Any,
    Female,
    Male,
}

/// A diagnosis code with its title.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dx {
    pub code: &'static str,
    pub title: &'static str,
}

const fn dx(code: &'static str, title: &'static str) -> Dx {
    Dx { code, title }
}

/// A chronic condition: prevalence by age band (0-17, 18-44, 45-64, 65+) and the codes
/// it is charted with (one is chosen per patient, by weight).
pub(crate) struct Chronic {
    pub name: &'static str,
    pub prevalence: [f64; 4],
    pub sex: Sex,
    pub variants: &'static [(Dx, u32)],
    /// Whether the condition brings extra follow-up visits and inpatient risk.
    pub serious: bool,
}

/// Chronic conditions, prevalence roughly as US adult surveys report them.
pub(crate) const CHRONIC: &[Chronic] = &[
    Chronic {
        name: "hypertension",
        prevalence: [0.005, 0.12, 0.35, 0.60],
        sex: Sex::Any,
        serious: false,
        variants: &[(dx("I10", "Essential (primary) hypertension"), 1)],
    },
    Chronic {
        name: "hyperlipidemia",
        prevalence: [0.005, 0.08, 0.30, 0.45],
        sex: Sex::Any,
        serious: false,
        variants: &[
            (dx("E78.5", "Hyperlipidemia, unspecified"), 3),
            (dx("E78.00", "Pure hypercholesterolemia, unspecified"), 1),
        ],
    },
    Chronic {
        name: "diabetes",
        prevalence: [0.002, 0.04, 0.14, 0.25],
        sex: Sex::Any,
        serious: true,
        variants: &[
            (
                dx("E11.9", "Type 2 diabetes mellitus without complications"),
                6,
            ),
            (
                dx("E11.65", "Type 2 diabetes mellitus with hyperglycemia"),
                2,
            ),
            (
                dx(
                    "E11.22",
                    "Type 2 diabetes mellitus with diabetic chronic kidney disease",
                ),
                1,
            ),
            (
                dx(
                    "E11.21",
                    "Type 2 diabetes mellitus with diabetic nephropathy",
                ),
                1,
            ),
        ],
    },
    Chronic {
        name: "asthma",
        prevalence: [0.07, 0.08, 0.08, 0.07],
        sex: Sex::Any,
        serious: false,
        variants: &[
            (dx("J45.909", "Unspecified asthma, uncomplicated"), 3),
            (dx("J45.20", "Mild intermittent asthma, uncomplicated"), 1),
        ],
    },
    Chronic {
        name: "COPD",
        prevalence: [0.0, 0.01, 0.06, 0.11],
        sex: Sex::Any,
        serious: true,
        variants: &[(
            dx(
                "J44.9",
                "Chronic obstructive pulmonary disease, unspecified",
            ),
            1,
        )],
    },
    Chronic {
        name: "heart failure",
        prevalence: [0.0, 0.003, 0.02, 0.08],
        sex: Sex::Any,
        serious: true,
        variants: &[
            (dx("I50.9", "Heart failure, unspecified"), 2),
            (
                dx("I50.32", "Chronic diastolic (congestive) heart failure"),
                1,
            ),
        ],
    },
    Chronic {
        name: "chronic kidney disease",
        prevalence: [0.0, 0.01, 0.05, 0.15],
        sex: Sex::Any,
        serious: true,
        variants: &[
            (
                dx("N18.30", "Chronic kidney disease, stage 3 unspecified"),
                2,
            ),
            (dx("N18.31", "Chronic kidney disease, stage 3a"), 2),
            (dx("N18.32", "Chronic kidney disease, stage 3b"), 1),
        ],
    },
    Chronic {
        name: "atrial fibrillation",
        prevalence: [0.0, 0.002, 0.02, 0.09],
        sex: Sex::Any,
        serious: true,
        variants: &[(dx("I48.91", "Unspecified atrial fibrillation"), 1)],
    },
    Chronic {
        name: "coronary artery disease",
        prevalence: [0.0, 0.005, 0.05, 0.14],
        sex: Sex::Any,
        serious: true,
        variants: &[(
            dx(
                "I25.10",
                "Atherosclerotic heart disease of native coronary artery without angina pectoris",
            ),
            1,
        )],
    },
    Chronic {
        name: "anxiety",
        prevalence: [0.03, 0.08, 0.07, 0.05],
        sex: Sex::Any,
        serious: false,
        variants: &[(dx("F41.1", "Generalized anxiety disorder"), 1)],
    },
    Chronic {
        name: "depression",
        prevalence: [0.02, 0.08, 0.08, 0.06],
        sex: Sex::Any,
        serious: false,
        variants: &[
            (dx("F32.A", "Depression, unspecified"), 2),
            (
                dx("F33.1", "Major depressive disorder, recurrent, moderate"),
                1,
            ),
        ],
    },
    Chronic {
        name: "hypothyroidism",
        prevalence: [0.003, 0.03, 0.06, 0.10],
        sex: Sex::Any,
        serious: false,
        variants: &[(dx("E03.9", "Hypothyroidism, unspecified"), 1)],
    },
    Chronic {
        name: "obesity",
        prevalence: [0.10, 0.20, 0.25, 0.20],
        sex: Sex::Any,
        serious: false,
        variants: &[(dx("E66.9", "Obesity, unspecified"), 1)],
    },
    Chronic {
        name: "reflux",
        prevalence: [0.01, 0.07, 0.10, 0.12],
        sex: Sex::Any,
        serious: false,
        variants: &[(
            dx(
                "K21.9",
                "Gastro-esophageal reflux disease without esophagitis",
            ),
            1,
        )],
    },
    Chronic {
        name: "osteoarthritis of knee",
        prevalence: [0.0, 0.01, 0.08, 0.18],
        sex: Sex::Any,
        serious: false,
        variants: &[
            (
                dx("M17.11", "Unilateral primary osteoarthritis, right knee"),
                2,
            ),
            (
                dx("M17.12", "Unilateral primary osteoarthritis, left knee"),
                2,
            ),
            (dx("M17.0", "Bilateral primary osteoarthritis of knee"), 1),
        ],
    },
    Chronic {
        name: "sleep apnea",
        prevalence: [0.0, 0.03, 0.07, 0.08],
        sex: Sex::Any,
        serious: false,
        variants: &[(
            dx("G47.33", "Obstructive sleep apnea (adult) (pediatric)"),
            1,
        )],
    },
    Chronic {
        name: "ADHD",
        prevalence: [0.08, 0.03, 0.01, 0.0],
        sex: Sex::Any,
        serious: false,
        variants: &[
            (
                dx(
                    "F90.9",
                    "Attention-deficit hyperactivity disorder, unspecified type",
                ),
                2,
            ),
            (
                dx(
                    "F90.0",
                    "Attention-deficit hyperactivity disorder, predominantly inattentive type",
                ),
                1,
            ),
        ],
    },
    Chronic {
        name: "tobacco use",
        prevalence: [0.005, 0.12, 0.12, 0.08],
        sex: Sex::Any,
        serious: false,
        variants: &[(
            dx("F17.210", "Nicotine dependence, cigarettes, uncomplicated"),
            1,
        )],
    },
    Chronic {
        name: "benign prostatic hyperplasia",
        prevalence: [0.0, 0.01, 0.10, 0.30],
        sex: Sex::Male,
        serious: false,
        variants: &[(
            dx(
                "N40.0",
                "Benign prostatic hyperplasia without lower urinary tract symptoms",
            ),
            1,
        )],
    },
];

/// An acute problem that brings someone to the office, the ED or a video visit.
pub(crate) struct Acute {
    pub dx: Dx,
    pub weight: u32,
    pub sex: Sex,
    pub min_age: i32,
    pub max_age: i32,
    /// Orders the visit brings (tests, imaging, drugs), by key into `ORDERS`.
    pub orders: &'static [&'static str],
    /// An external-cause code to add after an injury.
    pub cause: Option<Dx>,
}

const fn acute(
    code: &'static str,
    title: &'static str,
    weight: u32,
    min_age: i32,
    max_age: i32,
    orders: &'static [&'static str],
) -> Acute {
    Acute {
        dx: dx(code, title),
        weight,
        sex: Sex::Any,
        min_age,
        max_age,
        orders,
        cause: None,
    }
}

const FALL: Dx = dx("W19.XXXA", "Unspecified fall, initial encounter");
const FALL_SLIP: Dx = dx(
    "W01.0XXA",
    "Fall on same level from slipping, tripping and stumbling without subsequent striking against object, initial encounter",
);

const fn injury(
    code: &'static str,
    title: &'static str,
    weight: u32,
    orders: &'static [&'static str],
    cause: Dx,
) -> Acute {
    Acute {
        dx: dx(code, title),
        weight,
        sex: Sex::Any,
        min_age: 2,
        max_age: 120,
        orders,
        cause: Some(cause),
    }
}

/// Office and telehealth sick visits.
pub(crate) const OFFICE_ACUTE: &[Acute] = &[
    acute(
        "J06.9",
        "Acute upper respiratory infection, unspecified",
        30,
        0,
        120,
        &[],
    ),
    acute(
        "J02.9",
        "Acute pharyngitis, unspecified",
        10,
        2,
        120,
        &["strep"],
    ),
    acute(
        "H66.90",
        "Otitis media, unspecified, unspecified ear",
        12,
        0,
        11,
        &[],
    ),
    acute("J20.9", "Acute bronchitis, unspecified", 8, 0, 120, &[]),
    Acute {
        dx: dx("N39.0", "Urinary tract infection, site not specified"),
        weight: 8,
        sex: Sex::Female,
        min_age: 2,
        max_age: 120,
        orders: &["urinalysis"],
        cause: None,
    },
    acute("M54.50", "Low back pain, unspecified", 10, 18, 120, &[]),
    acute("R51.9", "Headache, unspecified", 4, 5, 120, &[]),
    acute(
        "A09",
        "Infectious gastroenteritis and colitis, unspecified",
        4,
        0,
        120,
        &[],
    ),
    acute("L03.115", "Cellulitis of right lower limb", 2, 10, 120, &[]),
    acute("R10.9", "Unspecified abdominal pain", 4, 2, 120, &["cbc"]),
    acute("U07.1", "COVID-19", 5, 0, 120, &[]),
    acute(
        "J11.1",
        "Influenza due to unidentified influenza virus with other respiratory manifestations",
        5,
        0,
        120,
        &[],
    ),
    acute("R05.9", "Cough, unspecified", 6, 0, 120, &[]),
    acute("H10.9", "Unspecified conjunctivitis", 3, 0, 120, &[]),
    acute("L30.9", "Dermatitis, unspecified", 4, 0, 120, &[]),
    acute("J30.9", "Allergic rhinitis, unspecified", 4, 3, 120, &[]),
    acute("M25.561", "Pain in right knee", 3, 12, 120, &[]),
    acute("R42", "Dizziness and giddiness", 2, 18, 120, &[]),
    acute("J01.90", "Acute sinusitis, unspecified", 5, 5, 120, &[]),
    injury(
        "S93.401A",
        "Sprain of unspecified ligament of right ankle, initial encounter",
        3,
        &["xray_ankle"],
        FALL_SLIP,
    ),
];

/// Emergency department visits.
pub(crate) const ED_ACUTE: &[Acute] = &[
    injury(
        "S93.401A",
        "Sprain of unspecified ligament of right ankle, initial encounter",
        6,
        &["xray_ankle"],
        FALL_SLIP,
    ),
    injury(
        "S93.402A",
        "Sprain of unspecified ligament of left ankle, initial encounter",
        5,
        &["xray_ankle"],
        FALL_SLIP,
    ),
    injury(
        "S61.411A",
        "Laceration without foreign body of right hand, initial encounter",
        5,
        &["lac_repair"],
        FALL,
    ),
    injury(
        "S01.81XA",
        "Laceration without foreign body of other part of head, initial encounter",
        3,
        &["lac_repair"],
        FALL,
    ),
    injury(
        "S52.501A",
        "Unspecified fracture of the lower end of right radius, initial encounter for closed fracture",
        3,
        &["xray_wrist"],
        FALL,
    ),
    injury(
        "S06.0X0A",
        "Concussion without loss of consciousness, initial encounter",
        3,
        &["ct_head"],
        FALL,
    ),
    acute(
        "R07.9",
        "Chest pain, unspecified",
        8,
        18,
        120,
        &["ecg", "troponin", "cbc", "xray_chest"],
    ),
    acute(
        "R07.89",
        "Other chest pain",
        4,
        18,
        120,
        &["ecg", "troponin"],
    ),
    acute(
        "R10.9",
        "Unspecified abdominal pain",
        6,
        2,
        120,
        &["cbc", "cmp", "ondansetron"],
    ),
    acute(
        "R10.31",
        "Right lower quadrant pain",
        2,
        5,
        120,
        &["cbc", "cmp"],
    ),
    acute(
        "J06.9",
        "Acute upper respiratory infection, unspecified",
        6,
        0,
        120,
        &[],
    ),
    Acute {
        dx: dx("N39.0", "Urinary tract infection, site not specified"),
        weight: 4,
        sex: Sex::Female,
        min_age: 2,
        max_age: 120,
        orders: &["urinalysis", "ceftriaxone"],
        cause: None,
    },
    acute("R51.9", "Headache, unspecified", 4, 5, 120, &["ketorolac"]),
    acute(
        "A09",
        "Infectious gastroenteritis and colitis, unspecified",
        4,
        0,
        120,
        &["ondansetron", "iv_fluids"],
    ),
    acute(
        "J45.901",
        "Unspecified asthma with (acute) exacerbation",
        3,
        2,
        120,
        &["dexamethasone"],
    ),
    acute("R55", "Syncope and collapse", 3, 12, 120, &["ecg", "cbc"]),
    acute(
        "T78.40XA",
        "Allergy, unspecified, initial encounter",
        2,
        0,
        120,
        &["dexamethasone"],
    ),
    acute(
        "M54.50",
        "Low back pain, unspecified",
        4,
        18,
        120,
        &["ketorolac"],
    ),
    acute(
        "R11.2",
        "Nausea with vomiting, unspecified",
        3,
        0,
        120,
        &["ondansetron"],
    ),
    acute(
        "J18.9",
        "Pneumonia, unspecified organism",
        3,
        0,
        120,
        &["xray_chest", "cbc", "ceftriaxone"],
    ),
];

/// A reason for an inpatient stay, with what is done during it.
pub(crate) struct Admission {
    pub dx: Dx,
    pub weight: u32,
    pub min_age: i32,
    pub max_age: i32,
    pub los: (i64, i64),
    pub pcs: &'static [Pcs],
    pub surgical: bool,
}

/// An ICD-10-PCS procedure with its title and the list price of the facility line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pcs {
    pub code: &'static str,
    pub title: &'static str,
    pub cents: i64,
}

const fn pcs(code: &'static str, title: &'static str, cents: i64) -> Pcs {
    Pcs { code, title, cents }
}

const fn admit(
    code: &'static str,
    title: &'static str,
    weight: u32,
    min_age: i32,
    los: (i64, i64),
    pcs: &'static [Pcs],
    surgical: bool,
) -> Admission {
    Admission {
        dx: dx(code, title),
        weight,
        min_age,
        max_age: 120,
        los,
        pcs,
        surgical,
    }
}

/// Medical and surgical admissions (deliveries are planned from pregnancies instead).
pub(crate) const ADMISSIONS: &[Admission] = &[
    admit(
        "J18.9",
        "Pneumonia, unspecified organism",
        10,
        0,
        (2, 6),
        &[],
        false,
    ),
    admit(
        "A41.9",
        "Sepsis, unspecified organism",
        8,
        18,
        (3, 9),
        &[pcs(
            "30233N1",
            "Transfusion of nonautologous red blood cells into peripheral vein, percutaneous approach",
            180_000,
        )],
        false,
    ),
    admit(
        "I50.9",
        "Heart failure, unspecified",
        8,
        40,
        (2, 7),
        &[],
        false,
    ),
    admit(
        "N39.0",
        "Urinary tract infection, site not specified",
        5,
        18,
        (2, 4),
        &[],
        false,
    ),
    admit(
        "I21.4",
        "Non-ST elevation (NSTEMI) myocardial infarction",
        4,
        35,
        (2, 5),
        &[
            pcs(
                "4A023N7",
                "Measurement of cardiac sampling and pressure, left heart, percutaneous approach",
                650_000,
            ),
            pcs(
                "027034Z",
                "Dilation of coronary artery, one artery with drug-eluting intraluminal device, percutaneous approach",
                2_400_000,
            ),
        ],
        true,
    ),
    admit(
        "I63.9",
        "Cerebral infarction, unspecified",
        4,
        45,
        (3, 8),
        &[],
        false,
    ),
    admit(
        "J44.1",
        "Chronic obstructive pulmonary disease with (acute) exacerbation",
        5,
        40,
        (2, 6),
        &[],
        false,
    ),
    admit(
        "K35.80",
        "Unspecified acute appendicitis",
        3,
        5,
        (1, 3),
        &[pcs(
            "0DTJ4ZZ",
            "Resection of appendix, percutaneous endoscopic approach",
            1_450_000,
        )],
        true,
    ),
    admit(
        "S72.001A",
        "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture",
        3,
        60,
        (3, 7),
        &[pcs(
            "0SRR01Z",
            "Replacement of right hip joint, femoral surface with metal synthetic substitute, open approach",
            3_200_000,
        )],
        true,
    ),
    admit(
        "N17.9",
        "Acute kidney failure, unspecified",
        3,
        30,
        (2, 6),
        &[],
        false,
    ),
    admit("U07.1", "COVID-19", 3, 18, (3, 10), &[], false),
    admit(
        "J96.01",
        "Acute respiratory failure with hypoxia",
        2,
        18,
        (5, 14),
        &[pcs(
            "5A1955Z",
            "Respiratory ventilation, greater than 96 consecutive hours",
            4_800_000,
        )],
        false,
    ),
    admit(
        "K80.00",
        "Calculus of gallbladder with acute cholecystitis without obstruction",
        3,
        18,
        (1, 4),
        &[pcs(
            "0FT44ZZ",
            "Resection of gallbladder, percutaneous endoscopic approach",
            1_600_000,
        )],
        true,
    ),
    admit(
        "I48.91",
        "Unspecified atrial fibrillation",
        3,
        45,
        (1, 4),
        &[],
        false,
    ),
    admit(
        "L03.115",
        "Cellulitis of right lower limb",
        3,
        18,
        (2, 5),
        &[],
        false,
    ),
    admit(
        "K92.2",
        "Gastrointestinal hemorrhage, unspecified",
        2,
        40,
        (2, 5),
        &[pcs(
            "0DJ08ZZ",
            "Inspection of upper intestinal tract, via natural or artificial opening endoscopic",
            420_000,
        )],
        false,
    ),
    admit("E86.0", "Dehydration", 2, 0, (1, 3), &[], false),
];

/// Codes charted on a delivery stay.
pub(crate) const VAGINAL_DELIVERY: Dx = dx("O80", "Encounter for full-term uncomplicated delivery");
pub(crate) const REPEAT_CESAREAN: Dx = dx(
    "O34.211",
    "Maternal care for low transverse scar from previous cesarean delivery",
);
pub(crate) const SINGLE_LIVEBORN: Dx = dx("Z37.0", "Single live birth");
pub(crate) const WEEKS_39: Dx = dx("Z3A.39", "39 weeks gestation of pregnancy");
pub(crate) const DELIVERY_PCS: Pcs = pcs(
    "10E0XZZ",
    "Delivery of products of conception, external approach",
    420_000,
);
pub(crate) const CESAREAN_PCS: Pcs = pcs(
    "10D00Z1",
    "Extraction of products of conception, low, open approach",
    980_000,
);
pub(crate) const PRENATAL: Dx = dx(
    "Z34.90",
    "Encounter for supervision of normal pregnancy, unspecified, unspecified trimester",
);

/// Hospital-acquired conditions, coded as secondary with POA "N".
pub(crate) const HOSPITAL_ACQUIRED: &[Dx] = &[
    dx("N39.0", "Urinary tract infection, site not specified"),
    dx("L89.152", "Pressure ulcer of sacral region, stage 2"),
    dx("E87.1", "Hypo-osmolality and hyponatremia"),
];

/// Preventive visits.
pub(crate) const ADULT_EXAM_NORMAL: Dx = dx(
    "Z00.00",
    "Encounter for general adult medical examination without abnormal findings",
);
pub(crate) const ADULT_EXAM_ABNORMAL: Dx = dx(
    "Z00.01",
    "Encounter for general adult medical examination with abnormal findings",
);
pub(crate) const CHILD_EXAM_NORMAL: Dx = dx(
    "Z00.129",
    "Encounter for routine child health examination without abnormal findings",
);
pub(crate) const CHILD_EXAM_ABNORMAL: Dx = dx(
    "Z00.121",
    "Encounter for routine child health examination with abnormal findings",
);
pub(crate) const IMMUNIZATION_VISIT: Dx = dx("Z23", "Encounter for immunization");

/// Whether a diagnosis is exempt from POA reporting (CMS exempt list: the Z-codes used
/// here and O80). Exempt codes carry indicator "1" so review work does not flag them.
pub(crate) fn poa_exempt(code: &str) -> bool {
    code.starts_with('Z') || code == "O80" || code.starts_with('W')
}

/// A billable service: CPT or HCPCS code, title and list price.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Service {
    pub system: System,
    pub code: &'static str,
    pub title: &'static str,
    pub cents: i64,
    pub units: i32,
}

/// The code systems services are billed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum System {
    Cpt,
    Hcpcs,
}

const fn cpt(code: &'static str, title: &'static str, cents: i64) -> Service {
    Service {
        system: System::Cpt,
        code,
        title,
        cents,
        units: 1,
    }
}

const fn hcpcs(code: &'static str, title: &'static str, cents: i64, units: i32) -> Service {
    Service {
        system: System::Hcpcs,
        code,
        title,
        cents,
        units,
    }
}

/// Orders that acute problems bring, by key.
pub(crate) const ORDERS: &[(&str, Service)] = &[
    ("strep", cpt("87880", "Rapid strep test", 4_500)),
    (
        "urinalysis",
        cpt("81003", "Urinalysis, automated, without microscopy", 2_500),
    ),
    (
        "cbc",
        cpt(
            "85025",
            "Complete blood count with automated differential",
            4_000,
        ),
    ),
    ("cmp", cpt("80053", "Comprehensive metabolic panel", 6_500)),
    ("troponin", cpt("84484", "Troponin, quantitative", 9_000)),
    (
        "ecg",
        cpt(
            "93010",
            "Electrocardiogram, interpretation and report",
            6_000,
        ),
    ),
    (
        "xray_chest",
        cpt("71046", "Radiologic examination, chest; 2 views", 18_000),
    ),
    (
        "xray_ankle",
        cpt("73610", "Radiologic examination, ankle; complete", 16_000),
    ),
    (
        "xray_wrist",
        cpt("73110", "Radiologic examination, wrist; complete", 16_000),
    ),
    (
        "ct_head",
        cpt("70450", "CT head or brain without contrast", 120_000),
    ),
    (
        "lac_repair",
        cpt(
            "12002",
            "Simple repair of superficial wounds, 2.6 cm to 7.5 cm",
            45_000,
        ),
    ),
    (
        "ketorolac",
        hcpcs(
            "J1885",
            "Injection, ketorolac tromethamine, per 15 mg",
            1_500,
            2,
        ),
    ),
    (
        "ondansetron",
        hcpcs(
            "J2405",
            "Injection, ondansetron hydrochloride, per 1 mg",
            800,
            4,
        ),
    ),
    (
        "ceftriaxone",
        hcpcs(
            "J0696",
            "Injection, ceftriaxone sodium, per 250 mg",
            2_500,
            4,
        ),
    ),
    (
        "dexamethasone",
        hcpcs(
            "J1100",
            "Injection, dexamethasone sodium phosphate, 1 mg",
            500,
            10,
        ),
    ),
    (
        "iv_fluids",
        hcpcs(
            "J7030",
            "Infusion, normal saline solution, 1000 cc",
            9_000,
            1,
        ),
    ),
];

/// The drug each injected or infused HCPCS code of `ORDERS` gives, as the claim's loop 2410
/// names it: an NDC in the labelers' hyphenated form, the quantity in thousandths and its
/// unit. Illustrative package codes of the right shape, not checked against FDA's directory.
pub(crate) fn drug_given(code: &str) -> Option<(&'static str, i64, records::DrugUnit)> {
    use records::DrugUnit::{Milliliter, Unit};
    Some(match code {
        "J1885" => ("0409-3795-01", 1_000, Milliliter),
        "J2405" => ("0409-4755-03", 2_000, Milliliter),
        "J0696" => ("0409-7332-01", 1_000, Unit),
        "J1100" => ("63323-165-01", 1_000, Milliliter),
        "J7030" => ("0338-0049-04", 1_000_000, Milliliter),
        _ => return None,
    })
}

/// Looks up an order by key.
pub(crate) fn order(key: &str) -> Option<Service> {
    ORDERS.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

pub(crate) const HBA1C: Service = cpt("83036", "Hemoglobin A1c", 4_500);
pub(crate) const LIPID_PANEL: Service = cpt("80061", "Lipid panel", 7_500);
pub(crate) const CMP: Service = cpt("80053", "Comprehensive metabolic panel", 6_500);
pub(crate) const AWV_SUBSEQUENT: Service =
    hcpcs("G0439", "Annual wellness visit, subsequent", 22_000, 1);
pub(crate) const FLU_ADMIN_MEDICARE: Service = hcpcs(
    "G0008",
    "Administration of influenza virus vaccine",
    3_500,
    1,
);
pub(crate) const PNEUMO_ADMIN_MEDICARE: Service =
    hcpcs("G0009", "Administration of pneumococcal vaccine", 3_500, 1);
pub(crate) const IMM_ADMIN_ADULT: Service =
    cpt("90471", "Immunization administration, first vaccine", 3_500);
pub(crate) const IMM_ADMIN_ADULT_EACH: Service = cpt(
    "90472",
    "Immunization administration, each additional vaccine",
    2_500,
);
pub(crate) const IMM_ADMIN_CHILD: Service = cpt(
    "90460",
    "Immunization administration through 18 years with counseling, first component",
    3_500,
);
pub(crate) const INITIAL_HOSPITAL_CARE: Service = cpt(
    "99223",
    "Initial hospital inpatient care, high complexity",
    42_000,
);
pub(crate) const DISCHARGE_DAY: Service = cpt(
    "99239",
    "Hospital discharge day management, more than 30 minutes",
    21_000,
);

/// Office E/M levels (established 99212-99215, new 99203-99204) with weights.
pub(crate) const OFFICE_EM: &[(Service, u32)] = &[
    (
        cpt(
            "99212",
            "Office visit, established patient, straightforward",
            9_500,
        ),
        10,
    ),
    (
        cpt(
            "99213",
            "Office visit, established patient, low complexity",
            15_000,
        ),
        50,
    ),
    (
        cpt(
            "99214",
            "Office visit, established patient, moderate complexity",
            22_000,
        ),
        30,
    ),
    (
        cpt(
            "99215",
            "Office visit, established patient, high complexity",
            30_000,
        ),
        4,
    ),
    (
        cpt("99203", "Office visit, new patient, low complexity", 20_000),
        4,
    ),
    (
        cpt(
            "99204",
            "Office visit, new patient, moderate complexity",
            30_000,
        ),
        2,
    ),
];

/// Emergency department E/M levels with weights.
pub(crate) const ED_EM: &[(Service, u32)] = &[
    (
        cpt(
            "99282",
            "Emergency department visit, straightforward",
            25_000,
        ),
        10,
    ),
    (
        cpt(
            "99283",
            "Emergency department visit, low complexity",
            45_000,
        ),
        35,
    ),
    (
        cpt(
            "99284",
            "Emergency department visit, moderate complexity",
            80_000,
        ),
        35,
    ),
    (
        cpt(
            "99285",
            "Emergency department visit, high complexity",
            120_000,
        ),
        20,
    ),
];

/// Preventive medicine visit for an established patient, by age.
pub(crate) fn preventive_visit(age: i32) -> Service {
    match age {
        i32::MIN..=0 => cpt(
            "99391",
            "Preventive visit, established patient, infant",
            20_000,
        ),
        1..=4 => cpt(
            "99392",
            "Preventive visit, established patient, age 1-4",
            21_000,
        ),
        5..=11 => cpt(
            "99393",
            "Preventive visit, established patient, age 5-11",
            21_000,
        ),
        12..=17 => cpt(
            "99394",
            "Preventive visit, established patient, age 12-17",
            23_000,
        ),
        18..=39 => cpt(
            "99395",
            "Preventive visit, established patient, age 18-39",
            25_000,
        ),
        40..=64 => cpt(
            "99396",
            "Preventive visit, established patient, age 40-64",
            27_000,
        ),
        _ => cpt(
            "99397",
            "Preventive visit, established patient, age 65 and over",
            29_000,
        ),
    }
}

/// Facility (UB-04 revenue code) lines for hospital stays and ED visits.
pub(crate) const ROOM_AND_BOARD: (&str, &str, i64) =
    ("0120", "Room and board, semi-private", 260_000);
pub(crate) const OPERATING_ROOM: &str = "0360";
pub(crate) const ED_FACILITY: (&str, &str, i64) = ("0450", "Emergency room facility", 150_000);

/// A vaccine: CVX code, description, CPT product code, route and typical site.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Vaccine {
    pub cvx: &'static str,
    pub title: &'static str,
    pub product: Service,
    pub route: &'static str,
}

const fn vaccine(
    cvx: &'static str,
    title: &'static str,
    product: &'static str,
    cents: i64,
    route: &'static str,
) -> Vaccine {
    Vaccine {
        cvx,
        title,
        product: cpt(product, title, cents),
        route,
    }
}

/// Seasonal flu vaccines the 2023-24 season used (quadrivalent), then 2024-25 onward
/// (trivalent, after B/Yamagata was dropped).
pub(crate) const FLU_QUADRIVALENT: &[(Vaccine, u32)] = &[
    (
        vaccine(
            "150",
            "Influenza, split virus, quadrivalent, PF",
            "90686",
            4_000,
            "IM",
        ),
        50,
    ),
    (
        vaccine(
            "158",
            "Influenza, split virus, quadrivalent, preservative",
            "90688",
            3_500,
            "IM",
        ),
        10,
    ),
    (
        vaccine(
            "171",
            "Influenza, MDCK, quadrivalent, PF",
            "90674",
            4_500,
            "IM",
        ),
        10,
    ),
    (
        vaccine(
            "186",
            "Influenza, MDCK, quadrivalent, preservative",
            "90756",
            4_500,
            "IM",
        ),
        4,
    ),
    (
        vaccine(
            "185",
            "Influenza, recombinant, quadrivalent, PF",
            "90682",
            6_500,
            "IM",
        ),
        8,
    ),
];
pub(crate) const FLU_QUADRIVALENT_65: &[(Vaccine, u32)] = &[
    (
        vaccine(
            "197",
            "Influenza, high-dose, quadrivalent, PF",
            "90662",
            7_500,
            "IM",
        ),
        6,
    ),
    (
        vaccine(
            "205",
            "Influenza, adjuvanted, quadrivalent, PF",
            "90694",
            7_500,
            "IM",
        ),
        3,
    ),
    (
        vaccine(
            "185",
            "Influenza, recombinant, quadrivalent, PF",
            "90682",
            6_500,
            "IM",
        ),
        1,
    ),
];
pub(crate) const FLU_TRIVALENT: &[(Vaccine, u32)] = &[
    (
        vaccine(
            "140",
            "Influenza, split virus, trivalent, PF",
            "90656",
            4_000,
            "IM",
        ),
        50,
    ),
    (
        vaccine(
            "141",
            "Influenza, split virus, trivalent, preservative",
            "90658",
            3_500,
            "IM",
        ),
        10,
    ),
    (
        vaccine(
            "153",
            "Influenza, MDCK, trivalent, PF",
            "90661",
            4_500,
            "IM",
        ),
        10,
    ),
    (
        vaccine(
            "155",
            "Influenza, recombinant, trivalent, PF",
            "90673",
            6_500,
            "IM",
        ),
        8,
    ),
];
pub(crate) const FLU_TRIVALENT_65: &[(Vaccine, u32)] = &[
    (
        vaccine(
            "135",
            "Influenza, high-dose, trivalent, PF",
            "90662",
            7_500,
            "IM",
        ),
        6,
    ),
    (
        vaccine(
            "168",
            "Influenza, adjuvanted, trivalent, PF",
            "90653",
            7_500,
            "IM",
        ),
        3,
    ),
    (
        vaccine(
            "155",
            "Influenza, recombinant, trivalent, PF",
            "90673",
            6_500,
            "IM",
        ),
        1,
    ),
];
/// 2023-24 and later COVID-19 vaccines.
pub(crate) const COVID: &[(Vaccine, u32)] = &[
    (
        vaccine(
            "309",
            "COVID-19, mRNA, LNP-S, PF, tris-sucrose, 30 mcg/0.3 mL",
            "91320",
            12_000,
            "IM",
        ),
        6,
    ),
    (
        vaccine(
            "312",
            "COVID-19, mRNA, LNP-S, PF, 50 mcg/0.5 mL",
            "91322",
            12_000,
            "IM",
        ),
        4,
    ),
    (
        vaccine(
            "313",
            "COVID-19, subunit, rS-nanoparticle, adjuvanted, PF, 5 mcg/0.5 mL",
            "91304",
            12_000,
            "IM",
        ),
        1,
    ),
];
pub(crate) const TDAP: Vaccine = vaccine("115", "Tdap", "90715", 5_500, "IM");
pub(crate) const PCV20: Vaccine =
    vaccine("216", "Pneumococcal conjugate PCV20", "90677", 24_000, "IM");
pub(crate) const PPSV23: Vaccine = vaccine(
    "33",
    "Pneumococcal polysaccharide PPV23",
    "90732",
    11_000,
    "IM",
);
pub(crate) const ZOSTER: Vaccine =
    vaccine("187", "Zoster vaccine recombinant", "90750", 19_000, "IM");

// Doses given at several visits of the childhood schedule (CDC), named once.
const DTAP_HEPB_IPV: Vaccine = vaccine("110", "DTaP-Hep B-IPV", "90723", 9_000, "IM");
const ROTAVIRUS_PENTAVALENT: Vaccine =
    vaccine("116", "Rotavirus, pentavalent", "90680", 9_500, "PO");
const HIB_PRP_OMP: Vaccine = vaccine("49", "Hib (PRP-OMP)", "90647", 3_000, "IM");
const PCV13: Vaccine = vaccine(
    "133",
    "Pneumococcal conjugate PCV 13",
    "90670",
    21_000,
    "IM",
);
const MMR: Vaccine = vaccine("03", "MMR", "90707", 8_000, "SC");
const VARICELLA: Vaccine = vaccine("21", "Varicella", "90716", 14_000, "SC");
const HEP_A_PED: Vaccine = vaccine("83", "Hep A, ped/adol, 2 dose", "90633", 3_500, "IM");
const MENINGOCOCCAL_MCV4P: Vaccine = vaccine("114", "Meningococcal MCV4P", "90734", 14_000, "IM");
const HPV9: Vaccine = vaccine("165", "HPV9", "90651", 27_000, "IM");

/// The childhood schedule (CDC, simplified): vaccines due at each well-child visit, by
/// age in days.
pub(crate) const CHILD_SCHEDULE: &[(i64, &[Vaccine])] = &[
    (
        3,
        &[vaccine(
            "08",
            "Hep B, adolescent or pediatric",
            "90744",
            3_000,
            "IM",
        )],
    ),
    (
        61,
        &[DTAP_HEPB_IPV, ROTAVIRUS_PENTAVALENT, HIB_PRP_OMP, PCV13],
    ),
    (
        122,
        &[DTAP_HEPB_IPV, ROTAVIRUS_PENTAVALENT, HIB_PRP_OMP, PCV13],
    ),
    (183, &[DTAP_HEPB_IPV, ROTAVIRUS_PENTAVALENT, PCV13]),
    (274, &[]),
    (365, &[MMR, VARICELLA, HEP_A_PED, HIB_PRP_OMP]),
    (456, &[vaccine("20", "DTaP", "90700", 3_000, "IM"), PCV13]),
    (548, &[HEP_A_PED]),
    (730, &[]),
    (913, &[]),
    (
        1461,
        &[
            vaccine("106", "DTaP, 5 pertussis antigens", "90700", 3_000, "IM"),
            vaccine("10", "IPV", "90713", 3_500, "IM"),
            MMR,
            VARICELLA,
        ],
    ),
    (
        4018,
        &[
            vaccine("115", "Tdap", "90715", 5_500, "IM"),
            MENINGOCOCCAL_MCV4P,
            HPV9,
        ],
    ),
    (4200, &[HPV9]),
    (5844, &[MENINGOCOCCAL_MCV4P]),
];

/// LOINC observation codes with their UCUM units.
pub(crate) struct Loinc {
    pub code: &'static str,
    pub title: &'static str,
    pub unit: &'static str,
}

const fn loinc(code: &'static str, title: &'static str, unit: &'static str) -> Loinc {
    Loinc { code, title, unit }
}

pub(crate) const HEIGHT: Loinc = loinc("8302-2", "Body height", "cm");
pub(crate) const WEIGHT: Loinc = loinc("29463-7", "Body weight", "kg");
pub(crate) const BMI: Loinc = loinc("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2");
pub(crate) const SYSTOLIC: Loinc = loinc("8480-6", "Systolic blood pressure", "mm[Hg]");
pub(crate) const DIASTOLIC: Loinc = loinc("8462-4", "Diastolic blood pressure", "mm[Hg]");
pub(crate) const HEART_RATE: Loinc = loinc("8867-4", "Heart rate", "/min");
pub(crate) const TEMPERATURE: Loinc = loinc("8310-5", "Body temperature", "Cel");
pub(crate) const SPO2: Loinc = loinc(
    "59408-5",
    "Oxygen saturation in Arterial blood by Pulse oximetry",
    "%",
);
pub(crate) const A1C: Loinc = loinc("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%");
pub(crate) const CHOLESTEROL: Loinc = loinc(
    "2093-3",
    "Cholesterol [Mass/volume] in Serum or Plasma",
    "mg/dL",
);
pub(crate) const HDL: Loinc = loinc(
    "2085-9",
    "Cholesterol in HDL [Mass/volume] in Serum or Plasma",
    "mg/dL",
);
pub(crate) const CREATININE: Loinc = loinc(
    "2160-0",
    "Creatinine [Mass/volume] in Serum or Plasma",
    "mg/dL",
);
pub(crate) const GLUCOSE: Loinc = loinc(
    "2345-7",
    "Glucose [Mass/volume] in Serum or Plasma",
    "mg/dL",
);
