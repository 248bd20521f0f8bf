//! The multipart form of `POST /group` and `PATCH /group/{id}` as the
//! domain's `GroupForm`.

use shared::domain::group::GroupForm;
use shared::http::multipart::Form;

pub(super) fn form_fields(form: &Form) -> GroupForm {
    let text = |name: &str| form.text(name).map(str::to_owned);
    GroupForm {
        title: text("title"),
        max_people: text("maxPeople"),
        date: text("date"),
        standby_time: text("standbyTime"),
        finish_time: text("finishTime"),
        distance: text("distance"),
        speed: text("speed"),
        location: text("location"),
        map_lat_lng: text("mapLatLng"),
        thema: text("thema"),
        parking: text("parking"),
        baggage: text("baggage"),
        content: text("content"),
        chatting_room: text("chattingRoom"),
    }
}
