use crate::helpers::{PASSWORD, TestApp, error_codes, only_error, session_from};
use serde_json::{Value, json};
use sqlx::PgPool;

const USERS: &str = "query($first: Int, $after: String, $search: String, $role: Role) {
  users(first: $first, after: $after, search: $search, role: $role) {
    edges { cursor node { email } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}";
const SET_ROLES: &str =
    "mutation($input: SetUserRolesInput!) { setUserRoles(input: $input) { user { id roles } } }";

fn emails(response: &Value) -> Vec<String> {
    response["data"]["users"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no users in {response}"))
        .iter()
        .map(|edge| edge["node"]["email"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn only_admins_list_users(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let customer = app.register("ada@example.com").await;
    let anonymous = app.graphql(USERS, json!({}), None).await;
    assert_eq!(only_error(&anonymous).0, "UNAUTHENTICATED");
    let forbidden = app
        .graphql(USERS, json!({}), Some(&customer.access_token))
        .await;
    assert_eq!(only_error(&forbidden).0, "FORBIDDEN");
    assert_eq!(forbidden["data"], Value::Null);
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn admins_page_through_search_and_filter_users(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin("root@example.com").await;
    for name in ["alice", "bob", "carol", "dave", "erin_x"] {
        app.register_with(&format!("{name}@shop.test"), PASSWORD, name)
            .await;
    }
    let token = Some(admin.access_token.as_str());

    let page1 = app.graphql(USERS, json!({ "first": 2 }), token).await;
    assert_eq!(emails(&page1), ["root@example.com", "alice@shop.test"]);
    assert_eq!(page1["data"]["users"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(page1["data"]["users"]["pageInfo"]["hasPreviousPage"], false);
    let mut seen = emails(&page1);
    let mut after = page1["data"]["users"]["pageInfo"]["endCursor"].clone();
    loop {
        let page = app
            .graphql(USERS, json!({ "first": 2, "after": after }), token)
            .await;
        seen.extend(emails(&page));
        assert_eq!(page["data"]["users"]["pageInfo"]["hasPreviousPage"], true);
        if page["data"]["users"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["data"]["users"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 6);

    let searched = app
        .graphql(USERS, json!({ "search": "SHOP.TEST", "first": 100 }), token)
        .await;
    assert_eq!(emails(&searched).len(), 5);
    // `_` is a literal, not a wildcard.
    let literal = app.graphql(USERS, json!({ "search": "n_x" }), token).await;
    assert_eq!(emails(&literal), ["erin_x@shop.test"]);
    let wildcard = app.graphql(USERS, json!({ "search": "%" }), token).await;
    assert_eq!(emails(&wildcard), Vec::<String>::new());
    let admins = app.graphql(USERS, json!({ "role": "ADMIN" }), token).await;
    assert_eq!(emails(&admins), ["root@example.com"]);

    for bad in [
        json!({ "first": 0 }),
        json!({ "first": 101 }),
        json!({ "after": "not-a-cursor" }),
    ] {
        let response = app.graphql(USERS, bad.clone(), token).await;
        assert_eq!(only_error(&response).0, "BAD_USER_INPUT", "{bad}");
    }
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn admins_change_roles_which_reach_the_next_token(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin("root@example.com").await;
    let ada = app.register("ada@example.com").await;

    let promoted = app
        .graphql(SET_ROLES, json!({ "input": { "userId": ada.user_id, "roles": ["SUPPORT", "CUSTOMER", "SUPPORT"] } }), Some(&admin.access_token))
        .await;
    assert_eq!(
        promoted["data"]["setUserRoles"]["user"]["roles"],
        json!(["CUSTOMER", "SUPPORT"])
    );

    let refreshed = session_from(&app.refresh(&ada.refresh_token).await, "refreshToken");
    let me = app
        .graphql("{ me { roles } }", json!({}), Some(&refreshed.access_token))
        .await;
    assert_eq!(me["data"]["me"]["roles"], json!(["CUSTOMER", "SUPPORT"]));

    // Support staff are not admins.
    let by_support = app
        .graphql(
            SET_ROLES,
            json!({ "input": { "userId": admin.user_id, "roles": ["CUSTOMER"] } }),
            Some(&refreshed.access_token),
        )
        .await;
    assert_eq!(only_error(&by_support).0, "FORBIDDEN");

    let own = app
        .graphql(
            SET_ROLES,
            json!({ "input": { "userId": admin.user_id, "roles": ["CUSTOMER"] } }),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(only_error(&own).0, "FORBIDDEN");
    let empty = app
        .graphql(
            SET_ROLES,
            json!({ "input": { "userId": ada.user_id, "roles": [] } }),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(only_error(&empty).0, "BAD_USER_INPUT");
    let unknown = app
        .graphql(
            SET_ROLES,
            json!({ "input": { "userId": uuid::Uuid::new_v4().to_string(), "roles": ["ADMIN"] } }),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(only_error(&unknown).0, "NOT_FOUND");
    let bad_role = app
        .graphql(
            SET_ROLES,
            json!({ "input": { "userId": ada.user_id, "roles": ["ROOT"] } }),
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(error_codes(&bad_role), ["GRAPHQL_VALIDATION_FAILED"]);
}

#[sqlx::test(migrator = "users::MIGRATOR")]
async fn operators_grant_roles_idempotently_by_email(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.register("ada@example.com").await;
    let once = users::operator::grant_role(&app.pool, " ADA@example.com", kit::Role::Admin)
        .await
        .unwrap();
    let twice = users::operator::grant_role(&app.pool, "ada@example.com", kit::Role::Admin)
        .await
        .unwrap();
    assert_eq!(once, ["ADMIN", "CUSTOMER"]);
    assert_eq!(twice, once);
    let unknown =
        users::operator::grant_role(&app.pool, "nobody@example.com", kit::Role::Admin).await;
    assert!(matches!(
        unknown,
        Err(users::operator::OperatorError::UnknownEmail(_))
    ));
}
