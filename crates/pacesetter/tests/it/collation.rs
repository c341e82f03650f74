//! Units and people sorted by name as their readers expect (issue 18), on every backend: Tibetan
//! names by root letter (those without one after, by their Chinese name), Chinese names by
//! pinyin; the stored sort keys follow every edit, and are made again when they are missing or
//! the collation changed.

use axum::http::StatusCode;
use pacesetter_domain::{Role, Timestamp};
use pacesetter_store::{sort_keys, units};
use pacesetter_testkit::{TestApp, backend_test};

/// The demo's seven prefectures in Chinese, sorted by pinyin: ā, chāng, lā, lín, nà, rì, shān.
const BY_PINYIN: [&str; 7] = ["阿里地区", "昌都市", "拉萨市", "林芝市", "那曲市", "日喀则市", "山南市"];

/// The prefectures' names (Chinese, Tibetan) as the API lists them in `sort`'s order.
async fn prefectures(t: &TestApp, sort: &str) -> Vec<(String, Option<String>)> {
    let admin = t.token("admin").await;
    let body = t.get(&format!("/api/v1/units?kind=prefecture&per_page=50&sort={sort}"), &admin).await.json();
    let items = body["items"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|u| (u["name"].as_str().unwrap_or_default().to_owned(), u["name_bo"].as_str().map(str::to_owned)))
        .collect()
}

fn chinese(names: &[(String, Option<String>)]) -> Vec<&str> {
    names.iter().map(|(zh, _)| zh.as_str()).collect()
}

/// Gives Xigazê the short Tibetan name TIBETAN.md attests, as an edit of the unit would.
async fn name_xigaze(t: &TestApp) {
    let mut tx = t.db.store.write().await.unwrap();
    let unit = units::find_by_code(&mut tx, "540200").await.unwrap().unwrap();
    let mut fields = unit.fields();
    fields.name_bo = Some("གཞིས་རྩེ".into());
    units::update(&mut tx, unit.id, unit.version, &fields, Timestamp::now()).await.unwrap();
    tx.commit().await.unwrap();
}

backend_test! {
    async fn units_sort_by_tibetan_root_letters_and_by_pinyin(t) {
        // The demo's Tibetan names (TIBETAN.md §3): Nagqu (root ན) before Lhasa and Shannan (root
        // ཧ under the superscript ལ; ལྷ before ལྷོ); the four without one follow by pinyin.
        let tibetan = prefectures(&t, "name_bo").await;
        assert_eq!(chinese(&tibetan), ["那曲市", "拉萨市", "山南市", "阿里地区", "昌都市", "林芝市", "日喀则市"]);
        assert_eq!(tibetan[0].1.as_deref(), Some("ནག་ཆུ་གྲོང་ཁྱེར"));
        assert_eq!(chinese(&prefectures(&t, "name").await), BY_PINYIN);
        let tree = prefectures(&t, "tree").await;
        assert_eq!(tree, prefectures(&t, "").await, "the tree's order is the default");
        assert_ne!(chinese(&tree), BY_PINYIN);

        // An edit moves the unit: གཞིས་རྩེ's root is ཞ (the prefix ག passed over), between ན and ཧ;
        // in code-point order it would come first.
        name_xigaze(&t).await;
        assert_eq!(chinese(&prefectures(&t, "name_bo").await)[..4], ["那曲市", "日喀则市", "拉萨市", "山南市"]);

        let admin = t.token("admin").await;
        let refused = t.get("/api/v1/units?sort=pinyin", &admin).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["error"]["details"][0]["code"], "invalid_sort");
    }
}

backend_test! {
    async fn the_unit_page_sorts_by_name_in_the_readers_language(t) {
        t.tibetan_reader("reader-bo", Role::Admin, "540000").await;
        let reader = t.session("reader-bo").await;
        let page = t.get("/units?kind=prefecture&sort=name", &reader).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        let list = html.split("<table class=\"table\">").nth(1).unwrap_or_default();
        let at = |name: &str| list.find(name).unwrap_or_else(|| panic!("{name} is not listed: {list}"));
        assert!(at("ནག་ཆུ་གྲོང་ཁྱེར") < at("ལྷ་ས་གྲོང་ཁྱེར"));
        assert!(at("ལྷ་ས་གྲོང་ཁྱེར") < at("ལྷོ་ཁ་གྲོང་ཁྱེར"));
        assert!(at("ལྷོ་ཁ་གྲོང་ཁྱེར") < at("阿里地区"), "a unit without a Tibetan name comes after, in Chinese");
        assert!(at("阿里地区") < at("昌都市"));
        assert!(html.contains("<option value=\"name\" selected>"), "the order chosen stays chosen");
    }
}

backend_test! {
    async fn sort_keys_are_made_again_when_missing_or_when_the_collation_changes(t) {
        {
            let mut tx = t.db.store.write().await.unwrap();
            sqlx::query("UPDATE units SET sort_zh = NULL, sort_bo = NULL WHERE code = '540100'").execute(&mut *tx).await.unwrap();
            sqlx::query("UPDATE users SET sort_zh = NULL, sort_bo = NULL WHERE username = 'lhasa'").execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        }
        assert_eq!(sort_keys::keep(&t.db.store).await.unwrap(), 2, "only the unit and the person without keys");
        assert_eq!(prefectures(&t, "name_bo").await[1].0, "拉萨市");

        let total = {
            let mut tx = t.db.store.write().await.unwrap();
            sqlx::query("UPDATE collation_state SET version = 'an older one'").execute(&mut *tx).await.unwrap();
            sqlx::query("UPDATE units SET sort_zh = NULL, sort_bo = NULL").execute(&mut *tx).await.unwrap();
            let count = "SELECT (SELECT COUNT(*) FROM units) + (SELECT COUNT(*) FROM users) AS n";
            let n: i64 = sqlx::Row::try_get(&sqlx::query(count).fetch_one(&mut *tx).await.unwrap(), "n").unwrap();
            tx.commit().await.unwrap();
            n as u64
        };
        assert_eq!(sort_keys::keep(&t.db.store).await.unwrap(), total, "every unit and person again");
        assert_eq!(sort_keys::keep(&t.db.store).await.unwrap(), 0, "nothing left to do");
        assert_eq!(chinese(&prefectures(&t, "name").await), BY_PINYIN);
    }
}

backend_test! {
    async fn people_sort_by_tibetan_root_letters_and_by_pinyin(t) {
        // Common Tibetan personal names, attested as the weekdays' names (TIBETAN.md §1): by root
        // letter ཉ < པ (bare) < པ (under the superscript ས) < ཕ < ཟ < ཧ (under ལ). In code-point
        // order སྤེན་པ would come last and ཕུར་བུ before པ་སངས's neighbour སྤེན་པ.
        let tibetan = ["ཉི་མ", "པ་སངས", "སྤེན་པ", "ཕུར་བུ", "ཟླ་བ", "ལྷག་པ"];
        let chinese = ["阿旺", "李四", "张三"];
        let admin = t.token("admin").await;
        let unit = t.unit_id("540100").await;
        let names: Vec<&str> = tibetan.iter().rev().chain(chinese.iter().rev()).copied().collect();
        for (i, name) in names.iter().enumerate() {
            let body = serde_json::json!({"username": format!("person{i}"), "display_name": name, "password": "correct horse battery 7", "unit_id": unit});
            let created = t.json(axum::http::Method::POST, "/api/v1/users", &admin, body).await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        }
        let listed = |sort: &'static str| {
            let (t, admin) = (&t, &admin);
            async move {
                let body = t.get(&format!("/api/v1/users?q=person&per_page=50&sort={sort}"), admin).await.json();
                let items = body["items"].as_array().cloned().unwrap_or_default();
                items.iter().map(|u| u["display_name"].as_str().unwrap_or_default().to_owned()).collect::<Vec<_>>()
            }
        };
        let expected: Vec<&str> = tibetan.iter().chain(chinese.iter()).copied().collect();
        assert_eq!(listed("name_bo").await, expected, "Tibetan names first by root letter, then the Chinese by pinyin");
        let by_pinyin = listed("name").await;
        let chinese_order: Vec<&str> = by_pinyin.iter().map(String::as_str).filter(|n| chinese.contains(n)).collect();
        assert_eq!(chinese_order, chinese);
        assert_eq!(listed("").await.first().map(String::as_str), Some(names[0]), "by username by default");
        let refused = t.get("/api/v1/users?sort=pinyin", &admin).await;
        assert_eq!(refused.json()["error"]["details"][0]["code"], "invalid_sort", "{}", refused.text());

        // The people page sorts by name in the reader's language.
        t.tibetan_reader("reader-bo", Role::Admin, "540000").await;
        let page = t.get("/users?q=person&sort=name", &t.session("reader-bo").await).await.text();
        let at = |name: &str| page.find(&format!(">{name}</a>")).unwrap_or_else(|| panic!("{name} is not listed: {page}"));
        assert!(at("ཉི་མ") < at("སྤེན་པ") && at("སྤེན་པ") < at("ལྷག་པ") && at("ལྷག་པ") < at("阿旺"), "{page}");
        assert!(page.contains("<option value=\"name\" selected>"), "the order chosen stays chosen");
    }
}
