//! ISO 3166-1 country codes: alpha-2, numeric (as Natural Earth ids use it) and English short name.
//!
//! Generated once from the `pycountry` package (ISO 3166-1 as published by Debian iso-codes);
//! a code list changes rarely, so it lives in the source rather than in `places/`.

/// One ISO 3166-1 country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// Alpha-2 code, upper case (`TJ`).
    pub alpha2: &'static str,
    /// Numeric code as a zero-padded string (`762`), the `id` Natural Earth TopoJSON uses.
    pub numeric: &'static str,
    /// English short name (`Tajikistan`).
    pub name: &'static str,
}

/// Look a country up by its alpha-2 code (case-sensitive, upper case).
pub fn by_alpha2(code: &str) -> Option<&'static Country> {
    COUNTRIES
        .binary_search_by(|c| c.alpha2.cmp(code))
        .ok()
        .map(|i| &COUNTRIES[i])
}

/// The country a hint from the user's data names: an alpha-2 code in any case (`tj`) or an
/// English short name (`Tajikistan`, any case), surrounding blanks ignored. The one rule for
/// the country column of `build --events` and of `geocode --batch`.
pub fn from_hint(hint: &str) -> Option<&'static Country> {
    let hint = hint.trim();
    by_alpha2(&hint.to_ascii_uppercase())
        .or_else(|| COUNTRIES.iter().find(|c| c.name.eq_ignore_ascii_case(hint)))
}

/// Look a country up by its numeric code (`"004"`).
pub fn by_numeric(code: &str) -> Option<&'static Country> {
    COUNTRIES.iter().find(|c| c.numeric == code)
}

/// Every ISO 3166-1 country, sorted by alpha-2 code.
pub static COUNTRIES: &[Country] = &[
    Country {
        alpha2: "AD",
        numeric: "020",
        name: "Andorra",
    },
    Country {
        alpha2: "AE",
        numeric: "784",
        name: "United Arab Emirates",
    },
    Country {
        alpha2: "AF",
        numeric: "004",
        name: "Afghanistan",
    },
    Country {
        alpha2: "AG",
        numeric: "028",
        name: "Antigua and Barbuda",
    },
    Country {
        alpha2: "AI",
        numeric: "660",
        name: "Anguilla",
    },
    Country {
        alpha2: "AL",
        numeric: "008",
        name: "Albania",
    },
    Country {
        alpha2: "AM",
        numeric: "051",
        name: "Armenia",
    },
    Country {
        alpha2: "AO",
        numeric: "024",
        name: "Angola",
    },
    Country {
        alpha2: "AQ",
        numeric: "010",
        name: "Antarctica",
    },
    Country {
        alpha2: "AR",
        numeric: "032",
        name: "Argentina",
    },
    Country {
        alpha2: "AS",
        numeric: "016",
        name: "American Samoa",
    },
    Country {
        alpha2: "AT",
        numeric: "040",
        name: "Austria",
    },
    Country {
        alpha2: "AU",
        numeric: "036",
        name: "Australia",
    },
    Country {
        alpha2: "AW",
        numeric: "533",
        name: "Aruba",
    },
    Country {
        alpha2: "AX",
        numeric: "248",
        name: "Åland Islands",
    },
    Country {
        alpha2: "AZ",
        numeric: "031",
        name: "Azerbaijan",
    },
    Country {
        alpha2: "BA",
        numeric: "070",
        name: "Bosnia and Herzegovina",
    },
    Country {
        alpha2: "BB",
        numeric: "052",
        name: "Barbados",
    },
    Country {
        alpha2: "BD",
        numeric: "050",
        name: "Bangladesh",
    },
    Country {
        alpha2: "BE",
        numeric: "056",
        name: "Belgium",
    },
    Country {
        alpha2: "BF",
        numeric: "854",
        name: "Burkina Faso",
    },
    Country {
        alpha2: "BG",
        numeric: "100",
        name: "Bulgaria",
    },
    Country {
        alpha2: "BH",
        numeric: "048",
        name: "Bahrain",
    },
    Country {
        alpha2: "BI",
        numeric: "108",
        name: "Burundi",
    },
    Country {
        alpha2: "BJ",
        numeric: "204",
        name: "Benin",
    },
    Country {
        alpha2: "BL",
        numeric: "652",
        name: "Saint Barthélemy",
    },
    Country {
        alpha2: "BM",
        numeric: "060",
        name: "Bermuda",
    },
    Country {
        alpha2: "BN",
        numeric: "096",
        name: "Brunei Darussalam",
    },
    Country {
        alpha2: "BO",
        numeric: "068",
        name: "Bolivia",
    },
    Country {
        alpha2: "BQ",
        numeric: "535",
        name: "Bonaire, Sint Eustatius and Saba",
    },
    Country {
        alpha2: "BR",
        numeric: "076",
        name: "Brazil",
    },
    Country {
        alpha2: "BS",
        numeric: "044",
        name: "Bahamas",
    },
    Country {
        alpha2: "BT",
        numeric: "064",
        name: "Bhutan",
    },
    Country {
        alpha2: "BV",
        numeric: "074",
        name: "Bouvet Island",
    },
    Country {
        alpha2: "BW",
        numeric: "072",
        name: "Botswana",
    },
    Country {
        alpha2: "BY",
        numeric: "112",
        name: "Belarus",
    },
    Country {
        alpha2: "BZ",
        numeric: "084",
        name: "Belize",
    },
    Country {
        alpha2: "CA",
        numeric: "124",
        name: "Canada",
    },
    Country {
        alpha2: "CC",
        numeric: "166",
        name: "Cocos (Keeling) Islands",
    },
    Country {
        alpha2: "CD",
        numeric: "180",
        name: "Congo, The Democratic Republic of the",
    },
    Country {
        alpha2: "CF",
        numeric: "140",
        name: "Central African Republic",
    },
    Country {
        alpha2: "CG",
        numeric: "178",
        name: "Congo",
    },
    Country {
        alpha2: "CH",
        numeric: "756",
        name: "Switzerland",
    },
    Country {
        alpha2: "CI",
        numeric: "384",
        name: "Côte d'Ivoire",
    },
    Country {
        alpha2: "CK",
        numeric: "184",
        name: "Cook Islands",
    },
    Country {
        alpha2: "CL",
        numeric: "152",
        name: "Chile",
    },
    Country {
        alpha2: "CM",
        numeric: "120",
        name: "Cameroon",
    },
    Country {
        alpha2: "CN",
        numeric: "156",
        name: "China",
    },
    Country {
        alpha2: "CO",
        numeric: "170",
        name: "Colombia",
    },
    Country {
        alpha2: "CR",
        numeric: "188",
        name: "Costa Rica",
    },
    Country {
        alpha2: "CU",
        numeric: "192",
        name: "Cuba",
    },
    Country {
        alpha2: "CV",
        numeric: "132",
        name: "Cabo Verde",
    },
    Country {
        alpha2: "CW",
        numeric: "531",
        name: "Curaçao",
    },
    Country {
        alpha2: "CX",
        numeric: "162",
        name: "Christmas Island",
    },
    Country {
        alpha2: "CY",
        numeric: "196",
        name: "Cyprus",
    },
    Country {
        alpha2: "CZ",
        numeric: "203",
        name: "Czechia",
    },
    Country {
        alpha2: "DE",
        numeric: "276",
        name: "Germany",
    },
    Country {
        alpha2: "DJ",
        numeric: "262",
        name: "Djibouti",
    },
    Country {
        alpha2: "DK",
        numeric: "208",
        name: "Denmark",
    },
    Country {
        alpha2: "DM",
        numeric: "212",
        name: "Dominica",
    },
    Country {
        alpha2: "DO",
        numeric: "214",
        name: "Dominican Republic",
    },
    Country {
        alpha2: "DZ",
        numeric: "012",
        name: "Algeria",
    },
    Country {
        alpha2: "EC",
        numeric: "218",
        name: "Ecuador",
    },
    Country {
        alpha2: "EE",
        numeric: "233",
        name: "Estonia",
    },
    Country {
        alpha2: "EG",
        numeric: "818",
        name: "Egypt",
    },
    Country {
        alpha2: "EH",
        numeric: "732",
        name: "Western Sahara",
    },
    Country {
        alpha2: "ER",
        numeric: "232",
        name: "Eritrea",
    },
    Country {
        alpha2: "ES",
        numeric: "724",
        name: "Spain",
    },
    Country {
        alpha2: "ET",
        numeric: "231",
        name: "Ethiopia",
    },
    Country {
        alpha2: "FI",
        numeric: "246",
        name: "Finland",
    },
    Country {
        alpha2: "FJ",
        numeric: "242",
        name: "Fiji",
    },
    Country {
        alpha2: "FK",
        numeric: "238",
        name: "Falkland Islands (Malvinas)",
    },
    Country {
        alpha2: "FM",
        numeric: "583",
        name: "Micronesia, Federated States of",
    },
    Country {
        alpha2: "FO",
        numeric: "234",
        name: "Faroe Islands",
    },
    Country {
        alpha2: "FR",
        numeric: "250",
        name: "France",
    },
    Country {
        alpha2: "GA",
        numeric: "266",
        name: "Gabon",
    },
    Country {
        alpha2: "GB",
        numeric: "826",
        name: "United Kingdom",
    },
    Country {
        alpha2: "GD",
        numeric: "308",
        name: "Grenada",
    },
    Country {
        alpha2: "GE",
        numeric: "268",
        name: "Georgia",
    },
    Country {
        alpha2: "GF",
        numeric: "254",
        name: "French Guiana",
    },
    Country {
        alpha2: "GG",
        numeric: "831",
        name: "Guernsey",
    },
    Country {
        alpha2: "GH",
        numeric: "288",
        name: "Ghana",
    },
    Country {
        alpha2: "GI",
        numeric: "292",
        name: "Gibraltar",
    },
    Country {
        alpha2: "GL",
        numeric: "304",
        name: "Greenland",
    },
    Country {
        alpha2: "GM",
        numeric: "270",
        name: "Gambia",
    },
    Country {
        alpha2: "GN",
        numeric: "324",
        name: "Guinea",
    },
    Country {
        alpha2: "GP",
        numeric: "312",
        name: "Guadeloupe",
    },
    Country {
        alpha2: "GQ",
        numeric: "226",
        name: "Equatorial Guinea",
    },
    Country {
        alpha2: "GR",
        numeric: "300",
        name: "Greece",
    },
    Country {
        alpha2: "GS",
        numeric: "239",
        name: "South Georgia and the South Sandwich Islands",
    },
    Country {
        alpha2: "GT",
        numeric: "320",
        name: "Guatemala",
    },
    Country {
        alpha2: "GU",
        numeric: "316",
        name: "Guam",
    },
    Country {
        alpha2: "GW",
        numeric: "624",
        name: "Guinea-Bissau",
    },
    Country {
        alpha2: "GY",
        numeric: "328",
        name: "Guyana",
    },
    Country {
        alpha2: "HK",
        numeric: "344",
        name: "Hong Kong",
    },
    Country {
        alpha2: "HM",
        numeric: "334",
        name: "Heard Island and McDonald Islands",
    },
    Country {
        alpha2: "HN",
        numeric: "340",
        name: "Honduras",
    },
    Country {
        alpha2: "HR",
        numeric: "191",
        name: "Croatia",
    },
    Country {
        alpha2: "HT",
        numeric: "332",
        name: "Haiti",
    },
    Country {
        alpha2: "HU",
        numeric: "348",
        name: "Hungary",
    },
    Country {
        alpha2: "ID",
        numeric: "360",
        name: "Indonesia",
    },
    Country {
        alpha2: "IE",
        numeric: "372",
        name: "Ireland",
    },
    Country {
        alpha2: "IL",
        numeric: "376",
        name: "Israel",
    },
    Country {
        alpha2: "IM",
        numeric: "833",
        name: "Isle of Man",
    },
    Country {
        alpha2: "IN",
        numeric: "356",
        name: "India",
    },
    Country {
        alpha2: "IO",
        numeric: "086",
        name: "British Indian Ocean Territory",
    },
    Country {
        alpha2: "IQ",
        numeric: "368",
        name: "Iraq",
    },
    Country {
        alpha2: "IR",
        numeric: "364",
        name: "Iran",
    },
    Country {
        alpha2: "IS",
        numeric: "352",
        name: "Iceland",
    },
    Country {
        alpha2: "IT",
        numeric: "380",
        name: "Italy",
    },
    Country {
        alpha2: "JE",
        numeric: "832",
        name: "Jersey",
    },
    Country {
        alpha2: "JM",
        numeric: "388",
        name: "Jamaica",
    },
    Country {
        alpha2: "JO",
        numeric: "400",
        name: "Jordan",
    },
    Country {
        alpha2: "JP",
        numeric: "392",
        name: "Japan",
    },
    Country {
        alpha2: "KE",
        numeric: "404",
        name: "Kenya",
    },
    Country {
        alpha2: "KG",
        numeric: "417",
        name: "Kyrgyzstan",
    },
    Country {
        alpha2: "KH",
        numeric: "116",
        name: "Cambodia",
    },
    Country {
        alpha2: "KI",
        numeric: "296",
        name: "Kiribati",
    },
    Country {
        alpha2: "KM",
        numeric: "174",
        name: "Comoros",
    },
    Country {
        alpha2: "KN",
        numeric: "659",
        name: "Saint Kitts and Nevis",
    },
    Country {
        alpha2: "KP",
        numeric: "408",
        name: "North Korea",
    },
    Country {
        alpha2: "KR",
        numeric: "410",
        name: "South Korea",
    },
    Country {
        alpha2: "KW",
        numeric: "414",
        name: "Kuwait",
    },
    Country {
        alpha2: "KY",
        numeric: "136",
        name: "Cayman Islands",
    },
    Country {
        alpha2: "KZ",
        numeric: "398",
        name: "Kazakhstan",
    },
    Country {
        alpha2: "LA",
        numeric: "418",
        name: "Laos",
    },
    Country {
        alpha2: "LB",
        numeric: "422",
        name: "Lebanon",
    },
    Country {
        alpha2: "LC",
        numeric: "662",
        name: "Saint Lucia",
    },
    Country {
        alpha2: "LI",
        numeric: "438",
        name: "Liechtenstein",
    },
    Country {
        alpha2: "LK",
        numeric: "144",
        name: "Sri Lanka",
    },
    Country {
        alpha2: "LR",
        numeric: "430",
        name: "Liberia",
    },
    Country {
        alpha2: "LS",
        numeric: "426",
        name: "Lesotho",
    },
    Country {
        alpha2: "LT",
        numeric: "440",
        name: "Lithuania",
    },
    Country {
        alpha2: "LU",
        numeric: "442",
        name: "Luxembourg",
    },
    Country {
        alpha2: "LV",
        numeric: "428",
        name: "Latvia",
    },
    Country {
        alpha2: "LY",
        numeric: "434",
        name: "Libya",
    },
    Country {
        alpha2: "MA",
        numeric: "504",
        name: "Morocco",
    },
    Country {
        alpha2: "MC",
        numeric: "492",
        name: "Monaco",
    },
    Country {
        alpha2: "MD",
        numeric: "498",
        name: "Moldova",
    },
    Country {
        alpha2: "ME",
        numeric: "499",
        name: "Montenegro",
    },
    Country {
        alpha2: "MF",
        numeric: "663",
        name: "Saint Martin (French part)",
    },
    Country {
        alpha2: "MG",
        numeric: "450",
        name: "Madagascar",
    },
    Country {
        alpha2: "MH",
        numeric: "584",
        name: "Marshall Islands",
    },
    Country {
        alpha2: "MK",
        numeric: "807",
        name: "North Macedonia",
    },
    Country {
        alpha2: "ML",
        numeric: "466",
        name: "Mali",
    },
    Country {
        alpha2: "MM",
        numeric: "104",
        name: "Myanmar",
    },
    Country {
        alpha2: "MN",
        numeric: "496",
        name: "Mongolia",
    },
    Country {
        alpha2: "MO",
        numeric: "446",
        name: "Macao",
    },
    Country {
        alpha2: "MP",
        numeric: "580",
        name: "Northern Mariana Islands",
    },
    Country {
        alpha2: "MQ",
        numeric: "474",
        name: "Martinique",
    },
    Country {
        alpha2: "MR",
        numeric: "478",
        name: "Mauritania",
    },
    Country {
        alpha2: "MS",
        numeric: "500",
        name: "Montserrat",
    },
    Country {
        alpha2: "MT",
        numeric: "470",
        name: "Malta",
    },
    Country {
        alpha2: "MU",
        numeric: "480",
        name: "Mauritius",
    },
    Country {
        alpha2: "MV",
        numeric: "462",
        name: "Maldives",
    },
    Country {
        alpha2: "MW",
        numeric: "454",
        name: "Malawi",
    },
    Country {
        alpha2: "MX",
        numeric: "484",
        name: "Mexico",
    },
    Country {
        alpha2: "MY",
        numeric: "458",
        name: "Malaysia",
    },
    Country {
        alpha2: "MZ",
        numeric: "508",
        name: "Mozambique",
    },
    Country {
        alpha2: "NA",
        numeric: "516",
        name: "Namibia",
    },
    Country {
        alpha2: "NC",
        numeric: "540",
        name: "New Caledonia",
    },
    Country {
        alpha2: "NE",
        numeric: "562",
        name: "Niger",
    },
    Country {
        alpha2: "NF",
        numeric: "574",
        name: "Norfolk Island",
    },
    Country {
        alpha2: "NG",
        numeric: "566",
        name: "Nigeria",
    },
    Country {
        alpha2: "NI",
        numeric: "558",
        name: "Nicaragua",
    },
    Country {
        alpha2: "NL",
        numeric: "528",
        name: "Netherlands",
    },
    Country {
        alpha2: "NO",
        numeric: "578",
        name: "Norway",
    },
    Country {
        alpha2: "NP",
        numeric: "524",
        name: "Nepal",
    },
    Country {
        alpha2: "NR",
        numeric: "520",
        name: "Nauru",
    },
    Country {
        alpha2: "NU",
        numeric: "570",
        name: "Niue",
    },
    Country {
        alpha2: "NZ",
        numeric: "554",
        name: "New Zealand",
    },
    Country {
        alpha2: "OM",
        numeric: "512",
        name: "Oman",
    },
    Country {
        alpha2: "PA",
        numeric: "591",
        name: "Panama",
    },
    Country {
        alpha2: "PE",
        numeric: "604",
        name: "Peru",
    },
    Country {
        alpha2: "PF",
        numeric: "258",
        name: "French Polynesia",
    },
    Country {
        alpha2: "PG",
        numeric: "598",
        name: "Papua New Guinea",
    },
    Country {
        alpha2: "PH",
        numeric: "608",
        name: "Philippines",
    },
    Country {
        alpha2: "PK",
        numeric: "586",
        name: "Pakistan",
    },
    Country {
        alpha2: "PL",
        numeric: "616",
        name: "Poland",
    },
    Country {
        alpha2: "PM",
        numeric: "666",
        name: "Saint Pierre and Miquelon",
    },
    Country {
        alpha2: "PN",
        numeric: "612",
        name: "Pitcairn",
    },
    Country {
        alpha2: "PR",
        numeric: "630",
        name: "Puerto Rico",
    },
    Country {
        alpha2: "PS",
        numeric: "275",
        name: "Palestine, State of",
    },
    Country {
        alpha2: "PT",
        numeric: "620",
        name: "Portugal",
    },
    Country {
        alpha2: "PW",
        numeric: "585",
        name: "Palau",
    },
    Country {
        alpha2: "PY",
        numeric: "600",
        name: "Paraguay",
    },
    Country {
        alpha2: "QA",
        numeric: "634",
        name: "Qatar",
    },
    Country {
        alpha2: "RE",
        numeric: "638",
        name: "Réunion",
    },
    Country {
        alpha2: "RO",
        numeric: "642",
        name: "Romania",
    },
    Country {
        alpha2: "RS",
        numeric: "688",
        name: "Serbia",
    },
    Country {
        alpha2: "RU",
        numeric: "643",
        name: "Russian Federation",
    },
    Country {
        alpha2: "RW",
        numeric: "646",
        name: "Rwanda",
    },
    Country {
        alpha2: "SA",
        numeric: "682",
        name: "Saudi Arabia",
    },
    Country {
        alpha2: "SB",
        numeric: "090",
        name: "Solomon Islands",
    },
    Country {
        alpha2: "SC",
        numeric: "690",
        name: "Seychelles",
    },
    Country {
        alpha2: "SD",
        numeric: "729",
        name: "Sudan",
    },
    Country {
        alpha2: "SE",
        numeric: "752",
        name: "Sweden",
    },
    Country {
        alpha2: "SG",
        numeric: "702",
        name: "Singapore",
    },
    Country {
        alpha2: "SH",
        numeric: "654",
        name: "Saint Helena, Ascension and Tristan da Cunha",
    },
    Country {
        alpha2: "SI",
        numeric: "705",
        name: "Slovenia",
    },
    Country {
        alpha2: "SJ",
        numeric: "744",
        name: "Svalbard and Jan Mayen",
    },
    Country {
        alpha2: "SK",
        numeric: "703",
        name: "Slovakia",
    },
    Country {
        alpha2: "SL",
        numeric: "694",
        name: "Sierra Leone",
    },
    Country {
        alpha2: "SM",
        numeric: "674",
        name: "San Marino",
    },
    Country {
        alpha2: "SN",
        numeric: "686",
        name: "Senegal",
    },
    Country {
        alpha2: "SO",
        numeric: "706",
        name: "Somalia",
    },
    Country {
        alpha2: "SR",
        numeric: "740",
        name: "Suriname",
    },
    Country {
        alpha2: "SS",
        numeric: "728",
        name: "South Sudan",
    },
    Country {
        alpha2: "ST",
        numeric: "678",
        name: "Sao Tome and Principe",
    },
    Country {
        alpha2: "SV",
        numeric: "222",
        name: "El Salvador",
    },
    Country {
        alpha2: "SX",
        numeric: "534",
        name: "Sint Maarten (Dutch part)",
    },
    Country {
        alpha2: "SY",
        numeric: "760",
        name: "Syria",
    },
    Country {
        alpha2: "SZ",
        numeric: "748",
        name: "Eswatini",
    },
    Country {
        alpha2: "TC",
        numeric: "796",
        name: "Turks and Caicos Islands",
    },
    Country {
        alpha2: "TD",
        numeric: "148",
        name: "Chad",
    },
    Country {
        alpha2: "TF",
        numeric: "260",
        name: "French Southern Territories",
    },
    Country {
        alpha2: "TG",
        numeric: "768",
        name: "Togo",
    },
    Country {
        alpha2: "TH",
        numeric: "764",
        name: "Thailand",
    },
    Country {
        alpha2: "TJ",
        numeric: "762",
        name: "Tajikistan",
    },
    Country {
        alpha2: "TK",
        numeric: "772",
        name: "Tokelau",
    },
    Country {
        alpha2: "TL",
        numeric: "626",
        name: "Timor-Leste",
    },
    Country {
        alpha2: "TM",
        numeric: "795",
        name: "Turkmenistan",
    },
    Country {
        alpha2: "TN",
        numeric: "788",
        name: "Tunisia",
    },
    Country {
        alpha2: "TO",
        numeric: "776",
        name: "Tonga",
    },
    Country {
        alpha2: "TR",
        numeric: "792",
        name: "Türkiye",
    },
    Country {
        alpha2: "TT",
        numeric: "780",
        name: "Trinidad and Tobago",
    },
    Country {
        alpha2: "TV",
        numeric: "798",
        name: "Tuvalu",
    },
    Country {
        alpha2: "TW",
        numeric: "158",
        name: "Taiwan",
    },
    Country {
        alpha2: "TZ",
        numeric: "834",
        name: "Tanzania",
    },
    Country {
        alpha2: "UA",
        numeric: "804",
        name: "Ukraine",
    },
    Country {
        alpha2: "UG",
        numeric: "800",
        name: "Uganda",
    },
    Country {
        alpha2: "UM",
        numeric: "581",
        name: "United States Minor Outlying Islands",
    },
    Country {
        alpha2: "US",
        numeric: "840",
        name: "United States",
    },
    Country {
        alpha2: "UY",
        numeric: "858",
        name: "Uruguay",
    },
    Country {
        alpha2: "UZ",
        numeric: "860",
        name: "Uzbekistan",
    },
    Country {
        alpha2: "VA",
        numeric: "336",
        name: "Holy See (Vatican City State)",
    },
    Country {
        alpha2: "VC",
        numeric: "670",
        name: "Saint Vincent and the Grenadines",
    },
    Country {
        alpha2: "VE",
        numeric: "862",
        name: "Venezuela",
    },
    Country {
        alpha2: "VG",
        numeric: "092",
        name: "Virgin Islands, British",
    },
    Country {
        alpha2: "VI",
        numeric: "850",
        name: "Virgin Islands, U.S.",
    },
    Country {
        alpha2: "VN",
        numeric: "704",
        name: "Vietnam",
    },
    Country {
        alpha2: "VU",
        numeric: "548",
        name: "Vanuatu",
    },
    Country {
        alpha2: "WF",
        numeric: "876",
        name: "Wallis and Futuna",
    },
    Country {
        alpha2: "WS",
        numeric: "882",
        name: "Samoa",
    },
    Country {
        alpha2: "YE",
        numeric: "887",
        name: "Yemen",
    },
    Country {
        alpha2: "YT",
        numeric: "175",
        name: "Mayotte",
    },
    Country {
        alpha2: "ZA",
        numeric: "710",
        name: "South Africa",
    },
    Country {
        alpha2: "ZM",
        numeric: "894",
        name: "Zambia",
    },
    Country {
        alpha2: "ZW",
        numeric: "716",
        name: "Zimbabwe",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(COUNTRIES.windows(2).all(|w| w[0].alpha2 < w[1].alpha2));
    }

    #[test]
    fn looks_up_both_ways() {
        assert_eq!(by_alpha2("TJ").map(|c| c.numeric), Some("762"));
        assert_eq!(by_numeric("004").map(|c| c.alpha2), Some("AF"));
        assert!(by_alpha2("XX").is_none());
        assert!(by_alpha2("tj").is_none());
    }
}
