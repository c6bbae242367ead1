//! Issuer identification numbers: the six digits that name the
//! jurisdiction that issued a licence (AAMVA's published list).

/// A jurisdiction that issues AAMVA cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jurisdiction {
    /// The issuer identification number.
    pub iin: u32,
    /// The postal abbreviation (`OH`, `ON`).
    pub code: &'static str,
    /// The name (`Ohio`).
    pub name: &'static str,
    /// The ICAO code of its country (`USA`, `CAN`, `MEX`).
    pub country: &'static str,
}

const fn us(iin: u32, code: &'static str, name: &'static str) -> Jurisdiction {
    Jurisdiction {
        iin,
        code,
        name,
        country: "USA",
    }
}

const fn ca(iin: u32, code: &'static str, name: &'static str) -> Jurisdiction {
    Jurisdiction {
        iin,
        code,
        name,
        country: "CAN",
    }
}

/// Every jurisdiction we know, by IIN.
pub const JURISDICTIONS: &[Jurisdiction] = &[
    us(636000, "VA", "Virginia"),
    us(636001, "NY", "New York"),
    us(636002, "MA", "Massachusetts"),
    us(636003, "MD", "Maryland"),
    us(636004, "NC", "North Carolina"),
    us(636005, "SC", "South Carolina"),
    us(636006, "CT", "Connecticut"),
    us(636007, "LA", "Louisiana"),
    us(636008, "MT", "Montana"),
    us(636009, "NM", "New Mexico"),
    us(636010, "FL", "Florida"),
    us(636011, "DE", "Delaware"),
    ca(636012, "ON", "Ontario"),
    ca(636013, "NS", "Nova Scotia"),
    us(636014, "CA", "California"),
    us(636015, "TX", "Texas"),
    ca(636016, "NL", "Newfoundland and Labrador"),
    ca(636017, "NB", "New Brunswick"),
    us(636018, "IA", "Iowa"),
    us(636019, "GU", "Guam"),
    us(636020, "CO", "Colorado"),
    us(636021, "AR", "Arkansas"),
    us(636022, "KS", "Kansas"),
    us(636023, "OH", "Ohio"),
    us(636024, "VT", "Vermont"),
    us(636025, "PA", "Pennsylvania"),
    us(636026, "AZ", "Arizona"),
    us(636027, "DS", "US Department of State"),
    ca(636028, "BC", "British Columbia"),
    us(636029, "OR", "Oregon"),
    us(636030, "MO", "Missouri"),
    us(636031, "WI", "Wisconsin"),
    us(636032, "MI", "Michigan"),
    us(636033, "AL", "Alabama"),
    us(636034, "ND", "North Dakota"),
    us(636035, "IL", "Illinois"),
    us(636036, "NJ", "New Jersey"),
    us(636037, "IN", "Indiana"),
    us(636038, "MN", "Minnesota"),
    us(636039, "NH", "New Hampshire"),
    us(636040, "UT", "Utah"),
    us(636041, "ME", "Maine"),
    us(636042, "SD", "South Dakota"),
    us(636043, "DC", "District of Columbia"),
    ca(636044, "SK", "Saskatchewan"),
    us(636045, "WA", "Washington"),
    us(636046, "KY", "Kentucky"),
    us(636047, "HI", "Hawaii"),
    ca(636048, "MB", "Manitoba"),
    us(636049, "NV", "Nevada"),
    us(636050, "ID", "Idaho"),
    us(636051, "MS", "Mississippi"),
    us(636052, "RI", "Rhode Island"),
    us(636053, "TN", "Tennessee"),
    us(636054, "NE", "Nebraska"),
    us(636055, "GA", "Georgia"),
    Jurisdiction {
        iin: 636056,
        code: "COA",
        name: "Coahuila",
        country: "MEX",
    },
    Jurisdiction {
        iin: 636057,
        code: "HID",
        name: "Hidalgo",
        country: "MEX",
    },
    us(636058, "OK", "Oklahoma"),
    us(636059, "AK", "Alaska"),
    us(636060, "WY", "Wyoming"),
    us(636061, "WV", "West Virginia"),
    us(636062, "VI", "US Virgin Islands"),
    ca(604426, "PE", "Prince Edward Island"),
    us(604427, "AS", "American Samoa"),
    ca(604428, "QC", "Quebec"),
    ca(604429, "YT", "Yukon"),
    us(604430, "MP", "Northern Mariana Islands"),
    us(604431, "PR", "Puerto Rico"),
    ca(604432, "AB", "Alberta"),
    ca(604433, "NU", "Nunavut"),
    ca(990876, "AB", "Alberta"),
];

/// The jurisdiction that `iin` names.
pub fn jurisdiction(iin: u32) -> Option<&'static Jurisdiction> {
    JURISDICTIONS.iter().find(|j| j.iin == iin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_and_province_is_known_once() {
        assert_eq!(jurisdiction(636023).map(|j| j.code), Some("OH"));
        assert_eq!(jurisdiction(636012).map(|j| j.country), Some("CAN"));
        assert_eq!(jurisdiction(123456), None);
        let mut iins: Vec<u32> = JURISDICTIONS.iter().map(|j| j.iin).collect();
        iins.sort_unstable();
        iins.dedup();
        assert_eq!(iins.len(), JURISDICTIONS.len());
        let states = JURISDICTIONS
            .iter()
            .filter(|j| j.country == "USA" && j.code.len() == 2)
            .count();
        // 50 states, DC, five territories and the State Department.
        assert_eq!(states, 57);
        let provinces: Vec<&str> = JURISDICTIONS
            .iter()
            .filter(|j| j.country == "CAN")
            .map(|j| j.code)
            .collect();
        for code in [
            "ON", "QC", "BC", "AB", "MB", "SK", "NS", "NB", "NL", "PE", "YT", "NU",
        ] {
            assert!(provinces.contains(&code), "{code}");
        }
    }
}
