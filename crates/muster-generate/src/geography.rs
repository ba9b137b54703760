//! The provinces and special cities people come from, with their counties,
//! and the sites units and people are deployed to.

/// A province or special city, with its population in thousands (the 2008
/// census, rounded) and some of its counties, cities and districts.
pub(crate) struct Province {
    pub(crate) name: &'static str,
    pub(crate) population_thousands: u32,
    pub(crate) counties: &'static [&'static str],
}

/// Every province and special city, with the weight people are drawn by.
pub(crate) const PROVINCES: &[Province] = &[
    Province {
        name: "Pyongyang",
        population_thousands: 3255,
        counties: &[
            "Central District",
            "Mangyongdae",
            "Moranbong",
            "Sosong",
            "Sadong",
            "Ryokpo",
            "Sunan",
            "Kangdong",
            "Hyongjesan",
        ],
    },
    Province {
        name: "South Pyongan",
        population_thousands: 4051,
        counties: &[
            "Pyongsong",
            "Anju",
            "Kaechon",
            "Sunchon",
            "Tokchon",
            "Mundok",
            "Sukchon",
            "Pukchang",
            "Yangdok",
        ],
    },
    Province {
        name: "North Pyongan",
        population_thousands: 2729,
        counties: &[
            "Sinuiju", "Jongju", "Kusong", "Unsan", "Sakju", "Pakchon", "Yongbyon", "Uiju",
            "Cholsan",
        ],
    },
    Province {
        name: "Chagang",
        population_thousands: 1299,
        counties: &[
            "Kanggye", "Huichon", "Manpo", "Chosan", "Jonchon", "Songgan", "Wiwon", "Sijung",
        ],
    },
    Province {
        name: "South Hwanghae",
        population_thousands: 2310,
        counties: &[
            "Haeju", "Ongjin", "Yonan", "Chongdan", "Kwail", "Sinchon", "Unryul", "Pyoksong",
        ],
    },
    Province {
        name: "North Hwanghae",
        population_thousands: 2114,
        counties: &["Sariwon", "Songrim", "Hwangju", "Unpa", "Sinpyong", "Koksan", "Yonsan"],
    },
    Province {
        name: "Kangwon",
        population_thousands: 1478,
        counties: &[
            "Wonsan", "Munchon", "Kosan", "Anbyon", "Tongchon", "Kimhwa", "Sepo", "Cholwon",
        ],
    },
    Province {
        name: "South Hamgyong",
        population_thousands: 3066,
        counties: &[
            "Hamhung",
            "Tanchon",
            "Sinpo",
            "Kowon",
            "Yonggwang",
            "Hamju",
            "Pukchong",
            "Hongwon",
            "Jongpyong",
        ],
    },
    Province {
        name: "North Hamgyong",
        population_thousands: 2327,
        counties: &[
            "Chongjin",
            "Kimchaek",
            "Hoeryong",
            "Musan",
            "Kyongsong",
            "Orang",
            "Myongchon",
            "Onsong",
            "Kilju",
        ],
    },
    Province {
        name: "Ryanggang",
        population_thousands: 719,
        counties: &["Hyesan", "Samjiyon", "Pochon", "Kapsan", "Paegam", "Taehongdan", "Unhung"],
    },
    Province { name: "Rason", population_thousands: 197, counties: &["Rajin", "Sonbong"] },
    Province {
        name: "Nampo",
        population_thousands: 983,
        counties: &["Waudo", "Chollima", "Kangso", "Taean", "Onchon", "Ryonggang"],
    },
    Province {
        name: "Kaesong",
        population_thousands: 308,
        counties: &["Kaepung", "Panmun", "Changpung"],
    },
];

/// What a site is, which decides its campaigns and its dangers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SiteKind {
    Mine,
    Restoration,
    Construction,
    Farm,
}

impl SiteKind {
    /// The word of `sites.csv`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SiteKind::Mine => "mine",
            SiteKind::Restoration => "restoration",
            SiteKind::Construction => "construction",
            SiteKind::Farm => "farm",
        }
    }

    /// The word that names its campaigns, as in `musan-mining-2015`.
    pub(crate) fn campaign_word(self) -> &'static str {
        match self {
            SiteKind::Mine => "mining",
            SiteKind::Restoration => "restoration",
            SiteKind::Construction => "construction",
            SiteKind::Farm => "farming",
        }
    }
}

/// A site: a mine, a flood-restoration zone, a construction site, a farm.
pub(crate) struct Site {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) province: &'static str,
    pub(crate) kind: SiteKind,
}

/// The id of the site whose restoration the reference orders are about.
pub(crate) const GOMDOK: &str = "gomdok";

/// The id of the mine whose campaign runs across the horizon, for the
/// redeployment lists of the demo.
pub(crate) const DAEHUNG: &str = "daehung";

const fn site(
    id: &'static str,
    name: &'static str,
    province: &'static str,
    kind: SiteKind,
) -> Site {
    Site { id, name, province, kind }
}

/// Every site, mines first.
pub(crate) const SITES: &[Site] = &[
    site(GOMDOK, "Komdok Mining Complex", "South Hamgyong", SiteKind::Mine),
    site("yongyang", "Ryongyang Mine", "South Hamgyong", SiteKind::Mine),
    site(DAEHUNG, "Taehung Youth Hero Mine", "South Hamgyong", SiteKind::Mine),
    site("sangnong", "Sangnong Mine", "South Hamgyong", SiteKind::Mine),
    site("musan", "Musan Mining Complex", "North Hamgyong", SiteKind::Mine),
    site("hyesan", "Hyesan Youth Copper Mine", "Ryanggang", SiteKind::Mine),
    site("holdong", "Hol-dong Gold Mine", "North Hwanghae", SiteKind::Mine),
    site("unryul", "Unryul Mine", "South Hwanghae", SiteKind::Mine),
    site("jiktong", "2.8 Jiktong Youth Coal Mine", "South Pyongan", SiteKind::Mine),
    site("tokchon", "Tokchon Area Coal Mining Complex", "South Pyongan", SiteKind::Mine),
    site("ryongdung", "Ryongdung Coal Mine", "South Pyongan", SiteKind::Mine),
    site("tumen-flood-zone", "Tumen River Flood Zone", "North Hamgyong", SiteKind::Restoration),
    site("taechong-flood-zone", "Taechong-ri Flood Zone", "North Hwanghae", SiteKind::Restoration),
    site("kimhwa-flood-zone", "Kimhwa Flood Zone", "Kangwon", SiteKind::Restoration),
    site("rason-flood-zone", "Rason Flood Zone", "Rason", SiteKind::Restoration),
    site("amnok-flood-zone", "Amnok River Flood Zone", "North Pyongan", SiteKind::Restoration),
    site("samjiyon", "Samjiyon City Construction", "Ryanggang", SiteKind::Construction),
    site("wonsan-kalma", "Wonsan-Kalma Coastal Tourist Area", "Kangwon", SiteKind::Construction),
    site("hwasong-housing", "Hwasong District Housing", "Pyongyang", SiteKind::Construction),
    site(
        "ryonpho-greenhouse",
        "Ryonpho Greenhouse Farm Construction",
        "South Hamgyong",
        SiteKind::Construction,
    ),
    site(
        "kangdong-greenhouse",
        "Kangdong Greenhouse Farm Construction",
        "Pyongyang",
        SiteKind::Construction,
    ),
    site("tanchon-port", "Tanchon Port Construction", "South Hamgyong", SiteKind::Construction),
    site("koam-railway", "Koam-Tapchon Railway", "Kangwon", SiteKind::Construction),
    site("mundok", "Mundok Rice Plains", "South Pyongan", SiteKind::Farm),
    site("yonbaek", "Yonbaek Plain Farms", "South Hwanghae", SiteKind::Farm),
    site("kwail", "Kwail Fruit Farm", "South Hwanghae", SiteKind::Farm),
    site("sepo", "Sepho Tableland Livestock Farm", "Kangwon", SiteKind::Farm),
    site("taehongdan", "Taehongdan Potato Farm", "Ryanggang", SiteKind::Farm),
    site("jungphyong", "Jungphyong Greenhouse Vegetable Farm", "North Hamgyong", SiteKind::Farm),
    site("kangso", "Kangso Cooperative Farms", "Nampo", SiteKind::Farm),
];
